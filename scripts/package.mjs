#!/usr/bin/env node
// `npm run package`: build the extension's VSIX from a clean build, offline.
//
//   1. sync-version --check    package.json, vss-extension.json and task.json versions agree
//   2. clean                   removes dist/ and tasks/*/dist/
//   3. npm run build           tsc + esbuild bundle into tasks/*/dist/
//   4. preflight               every file the manifests point at exists (clear message if not)
//   5. tfx extension create    writes dist/<publisher>.<id>-<version>.vsix
//
// Release or development build:
//   npm run package -- --release    refuses (builds nothing) unless CHANGELOG.md's top section is this
//                                   version with its date and every version equals package.json's
//                                   (scripts/release-check.mjs); the VSIX to publish
//   npm run package                 a development VSIX (CI builds one on every commit): it says so,
//                                   and why it is not a release, and is not for the Marketplace
//
// Publisher / extension id (e.g. for a private test copy of the extension):
//   npm run package -- --publisher my-publisher --extension-id lcs-database-backups-dev
//   LCS_EXT_PUBLISHER=my-publisher LCS_EXT_ID=lcs-database-backups-dev npm run package
// Flags win over the environment; without either, vss-extension.json's values are used.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseProblems } from './release-check.mjs';
import { taskFolders } from './taskFolders.cjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rel = (p) => relative(root, p).split('\\').join('/') || '.';

function fail(message) {
  console.error(`\npackage: ${message}`);
  process.exit(1);
}

// ---- arguments ----
function parseArgs(argv) {
  const opts = {};
  const names = { '--publisher': 'publisher', '--extension-id': 'extensionId' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--release') {
      opts.release = true;
      continue;
    }
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const key = names[flag];
    if (!key) fail(`unknown argument "${argv[i]}"\nusage: node scripts/package.mjs [--release] [--publisher <id>] [--extension-id <id>]`);
    const value = inline ?? argv[++i];
    if (!value || value.startsWith('--')) fail(`${flag} needs a value`);
    opts[key] = value;
  }
  return opts;
}
const args = parseArgs(process.argv.slice(2));
const publisher = args.publisher ?? (process.env.LCS_EXT_PUBLISHER || undefined);
const extensionId = args.extensionId ?? (process.env.LCS_EXT_ID || undefined);
// Marketplace ids: letters, digits, '-' and '_' (publisher: no '_'), starting with a letter or digit.
if (publisher !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(publisher)) fail(`invalid publisher id "${publisher}"`);
if (extensionId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(extensionId)) fail(`invalid extension id "${extensionId}"`);

// ---- helpers ----
function run(title, command, commandArgs, options = {}) {
  const started = process.hrtime.bigint();
  console.log(`\n> ${title}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.error) fail(`${title}: ${result.error.message}`);
  if (result.status !== 0) fail(`${title} failed (exit ${result.status ?? result.signal})`);
  console.log(`  (${seconds.toFixed(1)} s)`);
  return result;
}

/** npm, the same one that runs us when there is one; `npm.cmd` needs a shell on Windows. */
function npm(args) {
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.c?js$/.test(npmCli)) return [process.execPath, [npmCli, ...args], {}];
  return ['npm', args, { shell: process.platform === 'win32' }];
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const tasksDir = join(root, 'tasks');
const taskDirs = taskFolders(root).map((name) => join(tasksDir, name));

// ---- 1. versions; a release, or a development build that says so ----
run('sync-version --check', process.execPath, [join(root, 'scripts', 'sync-version.mjs'), '--check']);
const notRelease = releaseProblems(root);
if (args.release && notRelease.length > 0) {
  fail(
    `--release: this tree is not a release, nothing was built:\n  - ${notRelease.join('\n  - ')}\nBump with \`npm version <patch|minor>\` and date CHANGELOG's section (README: Publish).`,
  );
}
const buildKind = args.release ? 'RELEASE' : 'DEVELOPMENT build (not for the Marketplace; `npm run package -- --release` for a release)';
console.log(`\n> ${buildKind}`);
if (!args.release && notRelease.length > 0) console.log(`  not a release because:\n  - ${notRelease.join('\n  - ')}`);

// ---- 2. clean ----
console.log('\n> clean');
for (const dir of [join(root, 'dist'), ...taskDirs.map((t) => join(t, 'dist'))]) {
  if (existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
    console.log(`  removed ${rel(dir)}/`);
  }
}

// ---- 3. build ----
{
  const [cmd, cmdArgs, opts] = npm(['run', 'build']);
  run('npm run build', cmd, cmdArgs, opts);
}

// ---- 4. preflight: tfx's own "ENOENT" says little about what is missing and why ----
const manifest = readJson(join(root, 'vss-extension.json'));
const missing = [];
const need = (path, why) => {
  if (!existsSync(join(root, path))) missing.push(`${path} (${why})`);
};
if (manifest.icons?.default) need(manifest.icons.default, 'extension icon');
for (const [key, value] of Object.entries(manifest.content ?? {})) if (value?.path) need(value.path, `content.${key}`);
for (const f of manifest.files ?? []) need(f.path, 'files[]');
for (const c of manifest.contributions ?? []) {
  if (c.type !== 'ms.vss-distributed-task.task') continue;
  const folder = c.properties?.name;
  need(`${folder}/task.json`, `task contribution ${c.id}`);
  need(`${folder}/icon.png`, `task contribution ${c.id}`);
}
const contributed = new Set(
  (manifest.contributions ?? []).filter((c) => c.type === 'ms.vss-distributed-task.task').map((c) => String(c.properties?.name).replace(/\/+$/, '')),
);
const shipped = new Set((manifest.files ?? []).map((f) => f.path.replace(/\/+$/, '')));
for (const dir of taskDirs) {
  const folder = rel(dir);
  // A task folder that the manifest forgets would silently not ship (README: Adding a task).
  if (!contributed.has(folder)) missing.push(`a contribution with properties.name "${folder}" in vss-extension.json (every task folder ships)`);
  for (const part of ['task.json', 'icon.png', 'dist']) {
    if (!shipped.has(`${folder}/${part}`)) missing.push(`a files[] entry for ${folder}/${part} in vss-extension.json`);
  }
  const task = readJson(join(dir, 'task.json'));
  for (const [handler, exec] of Object.entries(task.execution ?? {})) {
    need(`${rel(dir)}/${exec.target}`, `${handler} handler target; produced by npm run build`);
  }
}
if (missing.length > 0) fail(`missing what the extension needs:\n  - ${missing.join('\n  - ')}`);

// ---- 5. tfx extension create ----
const require = createRequire(import.meta.url);
const tfxPkgPath = require.resolve('tfx-cli/package.json');
const tfxPkg = readJson(tfxPkgPath);
const tfxBin = typeof tfxPkg.bin === 'string' ? tfxPkg.bin : tfxPkg.bin.tfx;
const tfxCli = join(dirname(tfxPkgPath), tfxBin);

const tfxArgs = [
  tfxCli,
  'extension',
  'create',
  '--root',
  root,
  '--manifest-globs',
  'vss-extension.json',
  '--output-path',
  join(root, 'dist') + '/',
  '--no-prompt',
  '--no-color',
  '--json',
];
if (publisher) tfxArgs.push('--publisher', publisher);
if (extensionId) tfxArgs.push('--extension-id', extensionId);

// TFX_TRACE* turns on tfx's debug tracing, which would interleave with its JSON answer.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TFX_TRACE/i.test(k)));
const tfx = run(
  `tfx extension create${publisher ? ` --publisher ${publisher}` : ''}${extensionId ? ` --extension-id ${extensionId}` : ''}`,
  process.execPath,
  tfxArgs,
  { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
);

let vsixPath;
try {
  vsixPath = JSON.parse(tfx.stdout).path;
} catch {
  process.stdout.write(tfx.stdout);
  fail('could not read the VSIX path from tfx output');
}
if (!vsixPath || !existsSync(vsixPath)) fail(`tfx reported ${vsixPath}, which does not exist`);

const bytes = statSync(vsixPath).size;
console.log(`\nVSIX: ${rel(vsixPath)}`);
console.log(`size: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`);
console.log(`kind: ${args.release ? 'release' : 'development build, not for the Marketplace'}`);
