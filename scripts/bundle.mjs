// Bundles each task's entry (tasks/<Task>/index.ts) with its dependencies into one file,
// tasks/<Task>/dist/index.js, the file task.json's handlers point at. No node_modules ship.
//
// A few modules that the libraries load eagerly but this task never uses are replaced by
// stubs, because loading them is most of the start-up cost `npm run bench` measured
// (see README, Performance). Each stub throws if it is ever used, so a change in how the
// libraries use them shows up as a clear error in the e2e tests, not as silent misbehaviour.
import { build } from 'esbuild';
import { statSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskFolders } from './taskFolders.cjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tasks = taskFolders(root);

const unused = (what, why) =>
  `module.exports = new Proxy({}, { get(_, key) { if (key === '__esModule' || key === 'default') return undefined; throw new Error(${JSON.stringify(`${what} is not bundled (${why})`)} + ': ' + String(key)); } });`;

const STUBS = {
  // msal-node signs client assertions with it: confidential clients only; this task is a public client.
  jsonwebtoken: unused('jsonwebtoken', 'client assertions are not used'),
  // axios builds multipart bodies with it (and its 140 KB mime database); the task sends strings.
  'form-data': 'module.exports = null;',
  // axios loads node:http2 for `httpVersion: 2`, which the task never asks for.
  http2: unused('node:http2', 'HTTP/2 is not used'),
};

const AXIOS_PATCHES = [
  {
    file: /[\\/]axios[\\/]lib[\\/]utils\.js$/,
    find: "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
    replace: 'const FormDataCtor = undefined; // not probed: see scripts/bundle.mjs',
  },
  {
    file: /[\\/]axios[\\/]lib[\\/]adapters[\\/]fetch\.js$/,
    find: 'const adapter = getFetch();',
    replace: 'const adapter = undefined; // not seeded: see scripts/bundle.mjs',
  },
];

/** Replaces unused modules by stubs, and stops axios from probing fetch at load time. */
const trimUnused = {
  name: 'trim-unused',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(STUBS).join('|')}|node:http2)$`);
    b.onResolve({ filter }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
    // axios probes Node's fetch API when it loads: it reads globalThis.FormData and seeds its
    // fetch adapter (globalThis.Request, Response). Those globals are lazy in Node; touching
    // them loads Node's whole fetch implementation (undici) and node:http2, ~70 ms. The task
    // always uses the http adapter, so the probes are cut out.
    for (const patch of AXIOS_PATCHES) {
      b.onLoad({ filter: patch.file }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes(patch.find)) {
          // Fail rather than quietly ship the slow start-up again.
          return {
            errors: [
              { text: `axios changed: '${patch.find}' not found in ${args.path}; update AXIOS_PATCHES in scripts/bundle.mjs (see README, Performance)` },
            ],
          };
        }
        return { contents: source.replace(patch.find, patch.replace), loader: 'js' };
      });
    }
  },
};

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
    mainFields: ['module', 'main'],
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    plugins: [trimUnused],
  });
  const bytes = statSync(outfile).size;
  // Two task-lib copies would split its secret vault and its command output.
  const inputs = Object.keys(result.metafile.inputs).filter((p) => p.includes('azure-pipelines-task-lib/task.js'));
  if (inputs.length !== 1) {
    throw new Error(`${task}: expected exactly one copy of azure-pipelines-task-lib in the bundle, found ${inputs.length}`);
  }
  console.log(`bundled tasks/${task}/dist/index.js (${(bytes / 1024).toFixed(0)} KiB)`);
}
