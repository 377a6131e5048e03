/**
 * `npm run package -- --release` builds nothing unless the tree is a release: CHANGELOG.md's top
 * section is package.json's version with a date, and every task's version equals package.json's
 * (scripts/release-check.mjs). Each case is a small tree in a temporary folder.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRepoRoot } from '../support/repo';

const root = findRepoRoot(__dirname);

interface Tree {
  version: string;
  changelog: string;
  taskVersions: Record<string, string>;
}

function makeTree(tree: Tree): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'release-check-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', version: tree.version }));
  writeFileSync(path.join(dir, 'vss-extension.json'), JSON.stringify({ version: tree.version }));
  writeFileSync(path.join(dir, 'CHANGELOG.md'), `# Changelog\n\n${tree.changelog}`);
  for (const [folder, v] of Object.entries(tree.taskVersions)) {
    const [Major, Minor, Patch] = v.split('.').map(Number);
    mkdirSync(path.join(dir, 'tasks', folder), { recursive: true });
    writeFileSync(path.join(dir, 'tasks', folder, 'task.json'), JSON.stringify({ version: { Major, Minor, Patch } }, null, 2));
  }
  mkdirSync(path.join(dir, 'scripts'));
  for (const script of ['release-check.mjs', 'package.mjs', 'sync-version.mjs', 'taskFolders.cjs']) {
    copyFileSync(path.join(root, 'scripts', script), path.join(dir, 'scripts', script));
  }
  return dir;
}

function run(dir: string, script: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts', script), ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const DATED = '## 1.1.0 - 2026-12-03\n\n### Added\n- x\n\n## 1.0.0 - 2026-11-29\n';
const UNRELEASED = '## Unreleased\n\n### Added\n- x\n\n## 1.0.0 - 2026-11-29\n';
const TASKS_110 = { LcsDatabaseBackupsV1: '1.1.0', LcsDatabaseExportV1: '1.1.0' };

describe('release check (npm run package -- --release)', () => {
  const made: string[] = [];
  const tree = (t: Tree): string => {
    const dir = makeTree(t);
    made.push(dir);
    return dir;
  };
  after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a dated top section for this version and equal versions: a release', () => {
    const r = run(tree({ version: '1.1.0', changelog: DATED, taskVersions: TASKS_110 }), 'release-check.mjs', []);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /1\.1\.0 is a release/);
  });

  it('"## Unreleased" on top: refused, and it says to bump when the version is already released', () => {
    const r = run(tree({ version: '1.0.0', changelog: UNRELEASED, taskVersions: { LcsDatabaseBackupsV1: '1.0.0' } }), 'release-check.mjs', []);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /top section is "Unreleased" and 1\.0\.0 is already released: bump the version/);
  });

  it("a task whose version differs from package.json's: refused, naming the task", () => {
    const r = run(tree({ version: '1.1.0', changelog: DATED, taskVersions: { ...TASKS_110, LcsDatabaseExportV1: '1.0.0' } }), 'release-check.mjs', []);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /tasks\/LcsDatabaseExportV1\/task\.json's version is 1\.0\.0, package\.json's is 1\.1\.0/);
    assert.doesNotMatch(r.out, /LcsDatabaseBackupsV1/);
  });

  it('a top section for another version, or without a date: refused', () => {
    const other = run(tree({ version: '1.1.0', changelog: '## 1.2.0 - 2026-12-03\n', taskVersions: TASKS_110 }), 'release-check.mjs', []);
    assert.equal(other.status, 1, other.out);
    assert.match(other.out, /top section is 1\.2\.0, package\.json's version is 1\.1\.0/);
    const undated = run(tree({ version: '1.1.0', changelog: '## 1.1.0\n', taskVersions: TASKS_110 }), 'release-check.mjs', []);
    assert.equal(undated.status, 1, undated.out);
    assert.match(undated.out, /is not "<version> - <YYYY-MM-DD>"/);
  });

  it('package.mjs --release refuses such a tree before building anything', () => {
    const dir = tree({ version: '1.1.0', changelog: UNRELEASED.replace('1.0.0', '1.0.9'), taskVersions: TASKS_110 });
    const r = run(dir, 'package.mjs', ['--release']);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /--release: this tree is not a release, nothing was built/);
    assert.match(r.out, /top section is "Unreleased": rename it to "1\.1\.0 - <YYYY-MM-DD>"/);
    assert.doesNotMatch(r.out, /npm run build/);
    assert.equal(existsSync(path.join(dir, 'dist')), false);
  });
});
