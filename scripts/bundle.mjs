// Bundles each task's entry (tasks/<Task>/index.ts) with its dependencies into one file,
// tasks/<Task>/dist/index.js, the file task.json's handlers point at. No node_modules ship.
import { build } from 'esbuild';
import { readdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tasks = readdirSync(join(root, 'tasks')).filter((name) => existsSync(join(root, 'tasks', name, 'task.json')));

for (const task of tasks) {
  const outfile = join(root, 'tasks', task, 'dist', 'index.js');
  const result = await build({
    entryPoints: [join(root, 'tasks', task, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Keep one copy of each package: two task-lib copies would split its secret vault.
    mainFields: ['module', 'main'],
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = statSync(outfile).size;
  const inputs = Object.keys(result.metafile.inputs).filter((p) => p.includes('azure-pipelines-task-lib/task.js'));
  if (inputs.length !== 1) {
    throw new Error(`${task}: expected exactly one copy of azure-pipelines-task-lib in the bundle, found ${inputs.length}`);
  }
  console.log(`bundled tasks/${task}/dist/index.js (${(bytes / 1024).toFixed(0)} KiB)`);
}
