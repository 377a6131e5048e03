/**
 * `npm run demo`: a demo for every task folder, `--help` lists them and exits 0, and the demos
 * added for the download and the status task run to success against the emulator.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEMOS, demoHelp } from '../../scripts/demo';
import { findRepoRoot, taskFolders } from '../support/repo';

const root = findRepoRoot(__dirname);
const demoScript = path.join(root, 'build', 'scripts', 'demo.js');

function demo(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [demoScript, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('e2e: npm run demo', function () {
  this.timeout(90_000);

  it('has a demo for every task folder', () => {
    for (const folder of taskFolders(root)) assert.ok(Object.hasOwn(DEMOS, folder), `no demo for ${folder} in scripts/demo.ts DEMOS`);
  });

  it('--help exits 0 and lists every demo; an unknown one exits 2 with the list', () => {
    const help = demo(['--help']);
    assert.equal(help.status, 0, help.out);
    for (const name of Object.keys(DEMOS)) assert.match(help.out, new RegExp(`^  ${name} `, 'm'));
    assert.equal(help.out.trim(), demoHelp());
    const wrong = demo(['--task', 'NoSuchTaskV1']);
    assert.equal(wrong.status, 2, wrong.out);
    assert.match(wrong.out, /usage: npm run demo/);
  });

  it('download: progress lines, MD5 verification and DownloadedFilePath, then a hint to the download sections', () => {
    const r = demo(['--task', 'download']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^Downloaded [\d.]+ MiB of 96\.0 MiB \(50%\)/m);
    assert.match(r.out, /verified by MD5/);
    assert.match(r.out, /^lcs\.DownloadedFilePath +\S+UAT-golden-[\d-]+\.bacpac$/m);
    assert.match(r.out, /^HEAD \/blobstore\//m);
    assert.match(r.out, /Next: overview\.md sections 'YAML: let the task download it/);
  });

  it('LcsDatabaseOperationStatusV1: waits for an operation started elsewhere until Completed', () => {
    const r = demo(['--task', 'LcsDatabaseOperationStatusV1']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /operation Completed/);
    assert.match(r.out, /^lcs\.OperationStatus +Completed$/m);
    assert.match(r.out, /Result: Succeeded/);
  });

  it("the export and refresh demos' closing hints name sections that exist in overview.md", () => {
    const overview = readFileSync(path.join(root, 'overview.md'), 'utf8');
    for (const name of ['LcsDatabaseExportV1', 'LcsDatabaseRefreshV1', 'LcsDatabaseOperationStatusV1', 'download']) {
      const sections = [...DEMOS[name].next.matchAll(/'([^']+)'/g)].map((m) => m[1]);
      assert.ok(sections.length > 0, `${name}: the hint names no section`);
      for (const section of sections)
        assert.match(overview, new RegExp(`^#+ ${section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `${name}: no section '${section}'`);
    }
  });
});
