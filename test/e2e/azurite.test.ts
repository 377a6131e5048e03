/**
 * The bundled task downloading from Azurite (Microsoft's Azure Storage emulator): real storage
 * semantics for ranges, ETag/If-Match, the stored MD5 and SAS expiry, signed with the development
 * account key. LCS is the project's emulator, whose list hands out Azurite SAS URLs. Slow
 * networks are played by the test CONNECT proxy, throttled per tunnel.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { blobBytes, type Emulator } from '../emulator/emulator';
import { startConnectProxy, type ConnectProxy } from '../emulator/proxy';
import { chooseRangeSize } from '../../tasks/common/download/ranges';
import { DEV_KEY, blobSasUrl, createContainer, putBlob, startAzurite, type Azurite } from '../support/azurite';
import { assertInvariants, assertMentions, assertResult, describeRun, listRequests, runLcsTask, singleError, useEmulator, type E2eOptions } from './helpers';
import { assertDownloaded, cleanupDownloadDirs, downloadDir, downloadInputs, logText, sasSecrets } from './downloadSupport';

const MiB = 1024 * 1024;
const CONTAINER = 'backups';
const FILE = 'golden.bacpac';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

describe('e2e: download from Azurite (real Azure Storage semantics)', function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let azurite: Azurite;
  let proxy: ConnectProxy | undefined;
  let issued: string[] = [];

  before(async () => {
    azurite = await startAzurite();
    await createContainer(azurite, CONTAINER);
  });
  after(async () => {
    await azurite?.stop();
  });
  afterEach(async () => {
    cleanupDownloadDirs();
    await proxy?.close();
    proxy = undefined;
    issued = [];
  });

  /** Uploads `content` and makes the newest backup point at it; each list hands out a new SAS. */
  async function serve(emu: Emulator, blob: string, content: Buffer, options: { storedMd5?: string; firstSasLifetimeMs?: number } = {}): Promise<void> {
    await putBlob(azurite, CONTAINER, blob, content, options.storedMd5);
    // The first SAS the task lists may be short-lived (second precision): it expires mid-download.
    let short = options.firstSasLifetimeMs;
    const sas = (): string => {
      const lifetime = short ?? 3600_000;
      short = undefined;
      const url = blobSasUrl(azurite, CONTAINER, blob, new Date(Date.now() + lifetime));
      issued.push(url);
      return url;
    };
    emu.backups[0].FileName = FILE;
    emu.listHook = () => {
      emu.backups[0].FileLocation = sas();
    };
  }

  async function run(emu: Emulator, dir: string, options: E2eOptions = {}): Promise<Awaited<ReturnType<typeof runLcsTask>>> {
    const r = await runLcsTask(emu, { ...options, inputs: { ...downloadInputs(dir), ...options.inputs } });
    assertInvariants(r, emu, { extraSecrets: [...sasSecrets(issued), DEV_KEY] });
    return r;
  }

  async function throttledProxy(bytesPerSecond: number): Promise<ConnectProxy> {
    proxy = await startConnectProxy({ downstreamBytesPerSecond: bytesPerSecond });
    return proxy;
  }

  const azuriteTarget = (): string => new URL(azurite.accountUrl).host;

  it('happy path: parallel ranges, verified by the MD5 Azurite stores', async () => {
    const emu = ctx.emu;
    const content = blobBytes(11, 0, 5 * MiB + 777);
    await serve(emu, 'happy.bacpac', content);
    const dir = downloadDir();
    const r = await run(emu, dir);
    assertResult(r, 'Succeeded');
    assertDownloaded(r, dir, FILE, md5(content));
    assertMentions(logText(r), `verified by MD5 (${md5(content)})`);
  });

  it('SAS expiry mid-file: Azurite refuses the expired SAS, the task lists again and finishes with the fresh one', async () => {
    const emu = ctx.emu;
    const content = blobBytes(12, 0, 6 * MiB);
    await serve(emu, 'expiry.bacpac', content, { firstSasLifetimeMs: 1500 });
    const p = await throttledProxy(MiB / 2);
    const dir = downloadDir();
    const r = await run(emu, dir, { env: { AGENT_PROXYURL: p.url } });
    assertResult(r, 'Succeeded');
    assertDownloaded(r, dir, FILE, md5(content));
    assert.ok(listRequests(emu).length >= 2, `did not list again${describeRun(r)}`);
    assertMentions(logText(r), 'HTTP 403', 'fresh');
    assert.ok(
      issued.slice(1).some((u) => r.secrets.includes(u)),
      'the fresh SAS was not registered as a secret',
    );
  });

  it('resume after a kill at 50 %: the second run fetches only what is missing (counted at the proxy)', async () => {
    const emu = ctx.emu;
    const content = blobBytes(13, 0, 6 * MiB);
    await serve(emu, 'resume.bacpac', content);
    const p = await throttledProxy(2 * MiB);
    const dir = downloadDir();
    const controller = new AbortController();
    let atKill = 0;
    const target = azuriteTarget();
    killAt(p, target, content.length / 2, controller, (n) => {
      atKill = n;
    });
    const first = await runLcsTask(emu, { inputs: downloadInputs(dir), env: { AGENT_PROXYURL: p.url }, signal: controller.signal });
    assert.equal(first.result, undefined, `finished before the kill${describeRun(first)}`);
    const before = p.bytesDown.get(target) ?? 0;
    p.options.downstreamBytesPerSecond = undefined;
    p.options.onDownstream = undefined;
    const second = await run(emu, dir, { env: { AGENT_PROXYURL: p.url } });
    assertResult(second, 'Succeeded');
    assertDownloaded(second, dir, FILE, md5(content));
    const again = (p.bytesDown.get(target) ?? 0) - before;
    // TLS and headers add a little; the bound is what was missing plus the ranges in flight.
    const bound = (content.length - atKill + 4 * chooseRangeSize(content.length, 4)) * 1.05;
    assert.ok(again <= bound, `second run received ${again} bytes, bound ${Math.round(bound)}`);
    assertMentions(logText(second), 'Resuming:');
  });

  it('a blob overwritten since the cut run (new ETag): starts over and gets the new content', async () => {
    const emu = ctx.emu;
    const content = blobBytes(14, 0, 4 * MiB);
    await serve(emu, 'changed.bacpac', content);
    const p = await throttledProxy(MiB);
    const dir = downloadDir();
    const controller = new AbortController();
    killAt(p, azuriteTarget(), content.length * 0.4, controller);
    await runLcsTask(emu, { inputs: downloadInputs(dir), env: { AGENT_PROXYURL: p.url }, signal: controller.signal });
    const newer = blobBytes(15, 0, 4 * MiB);
    await putBlob(azurite, CONTAINER, 'changed.bacpac', newer);
    const r = await run(emu, dir);
    assertResult(r, 'Succeeded');
    assertDownloaded(r, dir, FILE, md5(newer));
    assertMentions(logText(r), 'another version of the backup');
  });

  it('a stored MD5 that does not match the content: fails, nothing left behind', async () => {
    const emu = ctx.emu;
    const content = blobBytes(16, 0, 2 * MiB);
    await serve(emu, 'damaged.bacpac', content, { storedMd5: md5(Buffer.from('something else')) });
    const dir = downloadDir();
    const r = await run(emu, dir);
    assertMentions(singleError(r), "does not match the backup's MD5");
    assert.deepEqual(readdirSync(dir), []);
  });

  it('404: a SAS for a blob that is not there', async () => {
    const emu = ctx.emu;
    const url = blobSasUrl(azurite, CONTAINER, 'deleted.bacpac', new Date(Date.now() + 3600_000));
    issued.push(url);
    emu.backups[0].FileLocation = url;
    const dir = downloadDir();
    const r = await run(emu, dir);
    assertMentions(singleError(r), 'HTTP 404', 'BlobNotFound');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an existing identical file is reused; a different one is refused, then replaced with overwriteExisting', async () => {
    const emu = ctx.emu;
    const content = blobBytes(17, 0, MiB);
    await serve(emu, 'existing.bacpac', content);
    const dir = downloadDir();
    assertResult(await run(emu, dir), 'Succeeded');
    const reused = await run(emu, dir);
    assertResult(reused, 'Succeeded');
    assertMentions(logText(reused), 'nothing to download');
    writeFileSync(path.join(dir, FILE), Buffer.alloc(content.length, 1));
    assertMentions(singleError(await run(emu, dir)), 'A different file named', 'with another MD5');
    const replaced = await run(emu, dir, { inputs: { overwriteExisting: 'true' } });
    assertResult(replaced, 'Succeeded');
    assertDownloaded(replaced, dir, FILE, md5(content));
  });

  it('a hostile FileName from LCS stays inside downloadDirectory', async () => {
    const emu = ctx.emu;
    const content = blobBytes(18, 0, 512 * 1024);
    await serve(emu, 'hostile.bacpac', content);
    emu.backups[0].FileName = '..\\..\\..\\Windows\\evil.bacpac';
    const dir = downloadDir();
    const r = await run(emu, path.join(dir, 'in'));
    assertResult(r, 'Succeeded');
    assert.deepEqual(readdirSync(dir), ['in']);
    assertDownloaded(r, path.join(dir, 'in'), '_.._.._Windows_evil.bacpac', md5(content));
  });
});

/** Aborts `controller` once `bytes` went from `target` through the proxy; `seen` gets the count. */
function killAt(p: ConnectProxy, target: string, bytes: number, controller: AbortController, seen: (n: number) => void = () => undefined): void {
  p.options.onDownstream = (t, total) => {
    if (t === target && total >= bytes && !controller.signal.aborted) {
      seen(total);
      controller.abort();
    }
  };
}
