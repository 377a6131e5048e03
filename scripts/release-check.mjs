#!/usr/bin/env node
// Is this tree a release? `npm run package -- --release` runs this first and builds nothing when
// it says no; `node scripts/release-check.mjs [<root>]` runs it alone (exit 1 listing the reasons).
//
// A release VSIX needs:
//   - CHANGELOG.md's top section to be this version with its date: "## 1.1.0 - 2026-12-03"
//     (or "## [1.1.0] - 2026-12-03"), not "## Unreleased";
//   - vss-extension.json's version and every tasks/*/task.json version equal to package.json's:
//     agents cache tasks by version, so a changed task under an old version never reaches them.
//
// Without --release, `npm run package` builds a development VSIX and says so.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskFolders } from './taskFolders.cjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');

/** CHANGELOG.md's first "## " heading, e.g. "Unreleased" or "1.1.0 - 2026-12-03". */
export function topChangelogSection(text) {
  return /^## +(.+?)\s*$/m.exec(text)?.[1];
}

/** Every reason why `root` is not a release; empty when it is one. */
export function releaseProblems(root) {
  const problems = [];
  const read = (file) => readFileSync(join(root, file), 'utf8');
  const version = JSON.parse(read('package.json')).version;
  const top = existsSync(join(root, 'CHANGELOG.md')) ? topChangelogSection(read('CHANGELOG.md')) : undefined;
  if (top === undefined) {
    problems.push('CHANGELOG.md has no "## <version> - <date>" section');
  } else if (/^\[?unreleased\]?/i.test(top)) {
    const released = new RegExp(`^## +\\[?${version.replace(/\./g, '\\.')}\\]?\\s`, 'm').test(read('CHANGELOG.md'));
    problems.push(
      released
        ? `CHANGELOG.md's top section is "${top}" and ${version} is already released: bump the version (\`npm version <patch|minor>\`), then rename the section to "<new version> - <YYYY-MM-DD>"`
        : `CHANGELOG.md's top section is "${top}": rename it to "${version} - <YYYY-MM-DD>"`,
    );
  } else {
    const m = /^\[?(\d+\.\d+\.\d+)\]?\s*[-–]\s*(\d{4}-\d{2}-\d{2})$/.exec(top);
    if (!m) problems.push(`CHANGELOG.md's top section "${top}" is not "<version> - <YYYY-MM-DD>"`);
    else if (m[1] !== version) problems.push(`CHANGELOG.md's top section is ${m[1]}, package.json's version is ${version}`);
  }
  if (existsSync(join(root, 'vss-extension.json'))) {
    const ext = JSON.parse(read('vss-extension.json')).version;
    if (ext !== version) problems.push(`vss-extension.json's version is ${ext}, package.json's is ${version}`);
  }
  for (const dir of taskFolders(root)) {
    const v = JSON.parse(read(`tasks/${dir}/task.json`)).version ?? {};
    const taskVersion = `${v.Major}.${v.Minor}.${v.Patch}`;
    if (taskVersion !== version) problems.push(`tasks/${dir}/task.json's version is ${taskVersion}, package.json's is ${version}`);
  }
  return problems;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? here);
  const problems = releaseProblems(root);
  if (problems.length > 0) {
    console.error(
      `release-check: not a release:\n  - ${problems.join('\n  - ')}\nBump with \`npm version <patch|minor>\` (README: Publish) and date CHANGELOG's section.`,
    );
    process.exit(1);
  }
  console.log(`release-check: ${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version} is a release (CHANGELOG dated, every version equal)`);
}
