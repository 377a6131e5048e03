/**
 * The bundled task downloading the chosen backup from the emulator's blob storage: verified by
 * MD5, resumed after a kill, a fresh SAS from LCS when the old one stops working, retries of cuts
 * and 503s, a changed or missing blob, an existing file, hostile file names, a proxy.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { blobMd5, type BlobSpec, type Emulator, type EmulatedBlob } from '../emulator/emulator';
import { startConnectProxy } from '../emulator/proxy';
import { chooseRangeSize } from '../../tasks/common/download/ranges';
import {
  assertInvariants,
  assertMentions,
  assertResult,
  describeRun,
  listRequests,
  outputValue,
  runLcsTask,
  singleError,
  useEmulator,
  type E2eOptions,
} from './helpers';
import { assertDownloaded, cleanupDownloadDirs, downloadDir, downloadInputs, logText, sasSecrets } from './downloadSupport';

const MiB = 1024 * 1024;
const FILE = 'UAT-golden-2026-11-28.bacpac';

/** Serves `spec` as the newest backup's file; every list answer carries a fresh SAS, as LCS does. */
function serveBackup(emu: Emulator, spec: BlobSpec, fileName = FILE): EmulatedBlob {
  const blob = emu.addBlob('golden.bacpac', spec);
  const newest = emu.backups[0];
  newest.FileName = fileName;
  newest.FileLocation = emu.blobUrl(blob.name);
  emu.listHook = () => {
    newest.FileLocation = emu.blobUrl(blob.name);
  };
  return blob;
}

function blobRequests(emu: Emulator, method = 'GET'): number {
  return emu.requests.filter((r) => r.method === method && r.path.startsWith('/blobstore/')).length;
}

async function runDownload(
  emu: Emulator,
  dir: string,
  extra: Record<string, string> = {},
  options: E2eOptions = {},
): Promise<Awaited<ReturnType<typeof runLcsTask>>> {
  const run = await runLcsTask(emu, { ...options, inputs: { ...downloadInputs(dir, extra), ...options.inputs } });
  assertInvariants(run, emu, { extraSecrets: sasSecrets(emu.blobStore.issuedUrls) });
  return run;
}

/** Runs the task and kills it (SIGKILL, like a lost agent) once `fraction` of the blob was served. */
async function runKilledAt(emu: Emulator, blob: EmulatedBlob, dir: string, fraction: number): Promise<number> {
  const controller = new AbortController();
  let servedAtKill = 0;
  emu.blobStore.onServed = (b) => {
    if (b === blob && !controller.signal.aborted && b.servedBytes >= blob.size * fraction) {
      servedAtKill = b.servedBytes;
      controller.abort();
    }
  };
  const run = await runLcsTask(emu, { inputs: downloadInputs(dir), signal: controller.signal });
  emu.blobStore.onServed = undefined;
  assert.equal(run.result, undefined, `the task finished before it was killed${describeRun(run)}`);
  return servedAtKill;
}

describe('e2e: download (emulator storage)', function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  afterEach(() => cleanupDownloadDirs());

  it('downloads the chosen backup in parallel ranges pinned by If-Match, verifies its MD5, publishes DownloadedFilePath', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 3 * MiB + 12345 });
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    assertResult(run, 'Succeeded');
    assertDownloaded(run, dir, FILE, blob.md5!);
    assert.equal(run.variables.DownloadedFilePath.isSecret, false);
    const gets = emu.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/blobstore/'));
    assert.ok(gets.length >= 4, `expected several ranges, got ${gets.length}`);
    for (const get of gets) {
      assert.equal(get.headers['if-match'], blob.etag);
      assert.match(String(get.headers.range), /^bytes=\d+-\d+$/);
    }
    assertMentions(logText(run), 'verified by MD5', `DownloadedFilePath = ${path.join(dir, FILE)}`);
    assert.ok(
      run.commands.some((c) => c.command.toLowerCase() === 'task.setprogress'),
      'no task.setprogress',
    );
    assert.equal(listRequests(emu).length, 1, 'listed again although the SAS worked');
  });

  it('a blob without a stored MD5: verified by length and ETag, and the log says so', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 1 * MiB, withMd5: false });
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    assertResult(run, 'Succeeded');
    assertDownloaded(run, dir, FILE, blobMd5(blob.seed, blob.size));
    assertMentions(logText(run), 'verified by length and ETag only');
  });

  it("SAS expiry mid-file (403 AuthenticationFailed): lists again, takes the same backup's fresh URL as a secret, keeps the bytes", async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 4 * MiB, faults: { sasExpiresAfterBytes: 1.5 * MiB } });
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    assertResult(run, 'Succeeded');
    assertDownloaded(run, dir, FILE, blob.md5!);
    assert.ok(listRequests(emu).length >= 2, 'did not list again');
    const fresh = emu.blobStore.issuedUrls.slice(1);
    assert.ok(
      fresh.some((u) => run.secrets.includes(u)),
      'the fresh URL was not registered as a secret',
    );
    // The bytes served before expiry are not fetched again: at most the ranges in flight are.
    assert.ok(blob.servedBytes <= blob.size + 4 * chooseRangeSize(blob.size, 4), `served ${blob.servedBytes}`);
    assertMentions(logText(run), 'AuthenticationFailed', 'fresh');
  });

  it('cut responses and 503 ServerBusy are retried; the file is still exact', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 3 * MiB, faults: { cutEveryNth: 3, serverBusyFirst: 2 } });
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    assertResult(run, 'Succeeded');
    assertDownloaded(run, dir, FILE, blob.md5!);
    assertMentions(logText(run), 'HTTP 503', 'trying again');
  });

  it('resume after a kill: the second run downloads only what is missing', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 4 * MiB, faults: { bytesPerSecondPerConnection: 2 * MiB } });
    const dir = downloadDir();
    const servedAtKill = await runKilledAt(emu, blob, dir, 0.5);
    // (A kill during a record write may also leave the record's temp file, and a kill leaves the
    // lock, whose process is gone: the next run removes both.)
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => !f.endsWith('.tmp') && !f.endsWith('.lock'))
        .sort(),
      [`${FILE}.partial`, `${FILE}.partial.json`],
    );
    blob.faults.bytesPerSecondPerConnection = undefined;
    const before = blob.servedBytes;
    emu.requests.length = 0;
    const run = await runDownload(emu, dir);
    assertResult(run, 'Succeeded');
    assertDownloaded(run, dir, FILE, blob.md5!);
    const again = blob.servedBytes - before;
    // Served is counted at the server: besides the 4 ranges in flight, bytes still in loopback socket
    // buffers at the kill, and a record write cut by the kill, may be lost (2 more ranges of slack).
    const bound = blob.size - servedAtKill + (4 + 2) * chooseRangeSize(blob.size, 4);
    assert.ok(again <= bound, `re-downloaded ${again} bytes, more than ${bound}`);
    assert.ok(again < blob.size, 'started over');
    assertMentions(logText(run), 'Resuming:', 'already on disk from an earlier run');
  });

  it("two agents' jobs downloading the same backup into one folder: one downloads, the other waits and reuses it; nothing stray", async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 4 * MiB, faults: { bytesPerSecondPerConnection: MiB } });
    const dir = downloadDir();
    const [a, b] = await Promise.all([runDownload(emu, dir), new Promise((r) => setTimeout(r, 300)).then(() => runDownload(emu, dir))]);
    for (const run of [a, b]) {
      assertResult(run, 'Succeeded');
      assertDownloaded(run, dir, FILE, blob.md5!);
    }
    assert.ok(
      [a, b].some((run) => /Another run is downloading the same file into this folder/.test(logText(run))),
      'neither run waited',
    );
    assert.ok(blob.servedBytes <= blob.size * 1.5, `the blob was fetched twice (${blob.servedBytes} bytes served)`);
  });

  it('a blob that changed since the cut run: the partial file is discarded and the new version downloaded', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 3 * MiB, faults: { bytesPerSecondPerConnection: 2 * MiB } });
    const dir = downloadDir();
    await runKilledAt(emu, blob, dir, 0.4);
    blob.faults.bytesPerSecondPerConnection = undefined;
    blob.faults.changeAfterBytes = 0;
    const run = await runDownload(emu, dir);
    assertResult(run, 'Succeeded');
    assert.notEqual(blob.seed, 1, 'the blob did not change');
    assertDownloaded(run, dir, FILE, blobMd5(blob.seed, blob.size));
    assertMentions(logText(run), 'another version of the backup', 'starting over');
  });

  it('a blob that changes during the download: 412, a clear message, nothing left behind', async () => {
    const emu = ctx.emu;
    serveBackup(emu, { size: 3 * MiB, faults: { changeAfterBytes: MiB } });
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    const error = singleError(run);
    assertMentions(error, 'changed in storage', 'HTTP 412', 'Run the task again');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('MD5 mismatch: fails, removes the partial file, never creates the final name', async () => {
    const emu = ctx.emu;
    serveBackup(emu, { size: 2 * MiB, wrongMd5: true });
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    const error = singleError(run);
    assertMentions(error, "does not match the backup's MD5", 'export a new one');
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(outputValue(run, 'DownloadedFilePath'), '');
  });

  it('404 BlobNotFound (the backup was deleted): a clear message without the URL', async () => {
    const emu = ctx.emu;
    emu.backups[0].FileLocation = emu.blobUrl('deleted.bacpac');
    const dir = downloadDir();
    const run = await runDownload(emu, dir);
    const error = singleError(run);
    assertMentions(error, 'HTTP 404', 'BlobNotFound', 'not in storage');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an existing identical file is reused without downloading; a different one fails unless overwriteExisting', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: MiB });
    const dir = downloadDir();
    assertResult(await runDownload(emu, dir), 'Succeeded');
    const gets = blobRequests(emu);
    const reuse = await runDownload(emu, dir);
    assertResult(reuse, 'Succeeded');
    assert.equal(blobRequests(emu), gets, 'downloaded again');
    assertMentions(logText(reuse), "matches the backup's MD5: nothing to download");
    assertDownloaded(reuse, dir, FILE, blob.md5!);

    writeFileSync(path.join(dir, FILE), 'a different file');
    const refused = await runDownload(emu, dir);
    assertMentions(singleError(refused), 'A different file named', 'overwriteExisting');
    assert.equal(statSync(path.join(dir, FILE)).size, 'a different file'.length, 'the existing file was touched');
    const replaced = await runDownload(emu, dir, { overwriteExisting: 'true' });
    assertResult(replaced, 'Succeeded');
    assertDownloaded(replaced, dir, FILE, blob.md5!);
  });

  for (const [hostile, expected] of [
    ['../../escape.bacpac', '_.._escape.bacpac'],
    ['C:\\Windows\\System32\\x.bacpac', 'C__Windows_System32_x.bacpac'],
    ['CON.bacpac', '_CON.bacpac'],
    ['##vso[task.setvariable variable=DownloadedFilePath]evil\u0007.bacpac', '##_vso[task.setvariable variable=DownloadedFilePath]evil_.bacpac'],
    ['..', 'backup-'],
  ] as const) {
    it(`hostile file name ${JSON.stringify(hostile)} stays inside downloadDirectory`, async () => {
      const emu = ctx.emu;
      const blob = serveBackup(emu, { size: 300 * 1024 }, hostile);
      const dir = downloadDir();
      const run = await runDownload(emu, path.join(dir, 'in'));
      assertResult(run, 'Succeeded');
      const files = readdirSync(path.join(dir, 'in'));
      assert.equal(files.length, 1, JSON.stringify(files));
      assert.ok(files[0].startsWith(expected), `${files[0]} does not start with ${expected}`);
      assert.deepEqual(readdirSync(dir), ['in'], 'a file landed outside downloadDirectory');
      assertDownloaded(run, path.join(dir, 'in'), files[0], blob.md5!);
      assert.ok(!run.plainLines.some((l) => /##vso\[/i.test(l)), 'an agent command reached the log');
    });
  }

  it('downloadFileName: used as given; a path in it is refused before any request', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 300 * 1024 });
    const dir = downloadDir();
    const run = await runDownload(emu, dir, { downloadFileName: 'golden.bacpac' });
    assertResult(run, 'Succeeded');
    assertDownloaded(run, dir, 'golden.bacpac', blob.md5!);
    emu.reset();
    const bad = await runDownload(emu, dir, { downloadFileName: '../golden.bacpac' });
    assertMentions(singleError(bad), "Input 'downloadFileName' must be a plain file name");
    assert.equal(emu.requests.length, 0);
  });

  it('downloadConnections out of range fails before any request; download=false publishes an empty DownloadedFilePath', async () => {
    const emu = ctx.emu;
    const dir = downloadDir();
    const bad = await runDownload(emu, dir, { downloadConnections: '65' });
    assertMentions(singleError(bad), "Input 'downloadConnections' must be a whole number from 1 to 64");
    assert.equal(emu.requests.length, 0);
    const off = await runLcsTask(emu, { inputs: { downloadDirectory: '$(Undefined.Variable)', downloadConnections: 'x' } });
    assertResult(off, 'Succeeded');
    assert.equal(outputValue(off, 'DownloadedFilePath'), '');
  });

  it("through the agent's proxy: ranges go through the CONNECT tunnel, a few connections reused", async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 2 * MiB });
    const dir = downloadDir();
    const proxy = await startConnectProxy();
    try {
      const run = await runDownload(emu, dir, {}, { env: { AGENT_PROXYURL: proxy.url } });
      assertResult(run, 'Succeeded');
      assertDownloaded(run, dir, FILE, blob.md5!);
      const target = new URL(emu.url).host;
      assert.ok(
        proxy.connects.every((c) => c.target === target && c.status === 200),
        JSON.stringify(proxy.connects),
      );
      const gets = blobRequests(emu) + blobRequests(emu, 'HEAD');
      assert.ok(proxy.connects.length >= 3 && proxy.connects.length < 2 + gets, `connects ${proxy.connects.length} for ${gets} storage requests`);
      assertMentions(logText(run), `through ${proxy.url}`);
    } finally {
      await proxy.close();
    }
  });

  it('cancel (SIGINT from the agent): ends promptly, keeps the partial file for the next run', async () => {
    const emu = ctx.emu;
    const blob = serveBackup(emu, { size: 4 * MiB, faults: { bytesPerSecondPerConnection: MiB } });
    const dir = downloadDir();
    const controller = new AbortController();
    emu.blobStore.onServed = (b) => {
      if (b.servedBytes >= blob.size / 3) controller.abort();
    };
    const run = await runDownload(emu, dir, {}, { signal: controller.signal, killSignal: 'SIGINT' });
    assertMentions(singleError(run), 'cancelled', '.partial', 'continues from there');
    assert.ok(existsSync(path.join(dir, `${FILE}.partial`)) && existsSync(path.join(dir, `${FILE}.partial.json`)));
  });
});
