#!/usr/bin/env node
// One source of truth for the version: package.json "version".
//
//   node scripts/sync-version.mjs          write it into vss-extension.json "version" and into
//                                          every tasks/*/task.json "version" {Major, Minor, Patch}
//   node scripts/sync-version.mjs --check  change nothing; exit 1 listing every mismatch
//
// Used as npm's `version` lifecycle script, so `npm version minor` bumps all three together:
//   "version": "node scripts/sync-version.mjs && git add vss-extension.json tasks/*/task.json"
//
// A task's Major must equal its folder's V<N> suffix (LcsDatabaseBackupsV1 -> 1): a new major
// version of a task is a new folder, because pipelines pin `task: Name@<Major>`.
// Files are edited textually (only the version values change) so their formatting is kept.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskFolders } from './taskFolders.cjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((a) => a !== '--check');
if (unknown.length > 0) fail(`unknown argument(s): ${unknown.join(' ')}\nusage: node scripts/sync-version.mjs [--check]`);

function fail(message) {
  console.error(`sync-version: ${message}`);
  process.exit(1);
}

function readJson(path) {
  try {
    const text = readFileSync(path, 'utf8');
    return { text, json: JSON.parse(text) };
  } catch (err) {
    fail(`cannot read ${relative(root, path)}: ${err.message}`);
  }
}

const pkg = readJson(join(root, 'package.json')).json;
const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(pkg.version ?? '');
if (!match) {
  // Marketplace extensions and tasks only take Major.Minor.Patch integers: no pre-release tags.
  fail(`package.json version "${pkg.version}" is not plain Major.Minor.Patch (e.g. 1.2.3)`);
}
const version = pkg.version;
const [major, minor, patch] = match.slice(1).map(Number);

const mismatches = [];
const writes = []; // { path, rel, text }: applied only after every file has been checked

// ---- vss-extension.json ----
const extPath = join(root, 'vss-extension.json');
const ext = readJson(extPath);
if (ext.json.version !== version) {
  mismatches.push(`vss-extension.json version is "${ext.json.version}", package.json says "${version}"`);
  if (!check) {
    const next = ext.text.replace(/("version"\s*:\s*)"[^"]*"/, `$1"${version}"`);
    if (JSON.parse(next).version !== version) fail('could not update vss-extension.json "version" safely; edit it by hand');
    writes.push({ path: extPath, rel: 'vss-extension.json', text: next });
  }
}

// ---- tasks/*/task.json ----
const tasksDir = join(root, 'tasks');
const taskFiles = taskFolders(root).map((folder) => ({ folder, path: join(tasksDir, folder, 'task.json') }));
if (taskFiles.length === 0) fail('no tasks/*/task.json found');

for (const { folder, path } of taskFiles) {
  const rel = relative(root, path).split('\\').join('/');
  const suffix = /V(\d+)$/.exec(folder);
  if (!suffix) fail(`${rel}: task folder "${folder}" must end in V<Major>, e.g. ${folder}V1`);
  if (Number(suffix[1]) !== major) {
    fail(
      `${rel}: package.json version ${version} has Major ${major} but the folder is ${folder} (Major ${suffix[1]}).\n` +
        `  A task's Major must match its folder: keep Major ${suffix[1]} here, or add a tasks/<Name>V${major}/ folder ` +
        `for the new major version (and point the extension at it).`,
    );
  }
  const task = readJson(path);
  const v = task.json.version ?? {};
  const want = { Major: major, Minor: minor, Patch: patch };
  const wrong = Object.keys(want).filter((k) => v[k] !== want[k]);
  if (wrong.length === 0) continue;
  mismatches.push(`${rel} version is ${JSON.stringify(v)}, package.json says ${version}`);
  if (check) continue;
  // Replace the "version" object whatever its layout (one line or several).
  const re = /("version"\s*:\s*)\{[^{}]*\}/;
  if (!re.test(task.text)) fail(`${rel} has no "version": { ... } object to update`);
  const oneLine = !/\n/.test(re.exec(task.text)[0]);
  const obj = oneLine
    ? `{ "Major": ${major}, "Minor": ${minor}, "Patch": ${patch} }`
    : `{\n    "Major": ${major},\n    "Minor": ${minor},\n    "Patch": ${patch}\n  }`;
  const next = task.text.replace(re, `$1${obj}`);
  const reparsed = JSON.parse(next).version;
  if (reparsed.Major !== major || reparsed.Minor !== minor || reparsed.Patch !== patch) {
    fail(`${rel}: could not update the version safely; edit it by hand`);
  }
  writes.push({ path, rel, text: next });
}

if (check) {
  if (mismatches.length > 0) {
    console.error(`sync-version: versions differ from package.json (${version}):`);
    for (const m of mismatches) console.error(`  - ${m}`);
    console.error('Run `npm run version:sync` to fix.');
    process.exit(1);
  }
  console.log(`sync-version: all versions are ${version}`);
} else if (writes.length > 0) {
  for (const w of writes) writeFileSync(w.path, w.text);
  console.log(`sync-version: set ${version} in ${writes.map((w) => w.rel).join(', ')}`);
} else {
  console.log(`sync-version: already ${version} everywhere`);
}
