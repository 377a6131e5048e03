/**
 * LcsDatabaseBackupCopy@1 against the emulator's own copy storage (test/emulator/blobCopy.ts),
 * where a copy stays pending with growing progress and can fail or be aborted, which Azurite's
 * instant copies cannot show: the source SAS expiring mid-copy, a copy that ends failed, cancel,
 * timeout, a missing role, the firewall, throttling, a damaged copy, an existing destination.
 */
import { strict as assert } from 'node:assert';
import { destinationSasUrl, type Emulator } from '../emulator/emulator';
import { assertMentions, assertResult, listRequests, singleError, useEmulator } from './helpers';
import { outputValue, runCopyTask } from './copySupport';

const MiB = 1024 * 1024;

describe('e2e: LcsDatabaseBackupCopy@1, asynchronous copies and faults (emulator storage)', function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  /** The newest backup is an emulator blob; every list hands out a new SAS, as LCS does. */
  function serve(emu: Emulator, options: { withMd5?: boolean } = {}): void {
    emu.addBlob('golden.bacpac', { size: 4 * MiB + 3, withMd5: options.withMd5 });
    emu.backups[0].FileName = 'golden.bacpac';
    emu.listHook = () => {
      emu.backups[0].FileLocation = emu.blobUrl('golden.bacpac');
    };
  }

  const dest = (emu: Emulator): Record<string, string> => ({ storageAccount: `${emu.url}/copystore`, containerName: 'dest' });
  const copyRequests = (emu: Emulator, method: string): number => emu.requests.filter((r) => r.method === method && r.path.startsWith('/copystore/')).length;

  it('polls a pending copy with progress, then verifies length and Content-MD5', async () => {
    const emu = ctx.emu;
    serve(emu);
    const r = await runCopyTask(emu, dest(emu));
    assertResult(r, 'Succeeded');
    assertMentions(r.stdout, /\d+ % copied/, 'Content-MD5');
    assert.ok(copyRequests(emu, 'HEAD') >= 3, 'the copy was polled');
    assert.equal(outputValue(r, 'CopiedBlobUrl'), `${emu.url}/copystore/dest/golden.bacpac`);
    const blob = emu.copyStore.blobs.get('dest/golden.bacpac')!;
    assert.equal(blob.metadata.lcsbackupid, emu.backups[0].Id);
    assert.equal(blob.metadata.lcsbackupname, encodeURIComponent(emu.backups[0].Name as string));
  });

  it('a blob without Content-MD5 is verified by length, and the log says so', async () => {
    const emu = ctx.emu;
    serve(emu, { withMd5: false });
    const r = await runCopyTask(emu, dest(emu));
    assertResult(r, 'Succeeded');
    assertMentions(r.stdout, 'by length only');
  });

  it('the source SAS expires mid-copy: a fresh SAS from LCS, the copy starts again over its own blob', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.sourceExpiresMidCopy = 1;
    const r = await runCopyTask(emu, dest(emu));
    assertResult(r, 'Succeeded');
    assertMentions(r.stdout, 'fresh download URL', 'restart 1 of at most 3');
    assert.equal(emu.copyStore.starts, 2);
    assert.equal(listRequests(emu).length, 2, 'listed again once for the fresh SAS');
  });

  it('a source that keeps refusing: at most 3 restarts, then a clear failure naming what is left', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.sourceExpiresMidCopy = 10;
    emu.copyStore.copyMs = 300;
    const message = singleError(await runCopyTask(emu, dest(emu)));
    assertMentions(message, 'after 3 restarts', 'left incomplete');
    assert.equal(emu.copyStore.starts, 4);
  });

  it('a copy that ends failed: the storage description, what is left and what to do', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.failWith = '500 InternalError "The copy source could not be read."';
    const message = singleError(await runCopyTask(emu, dest(emu)));
    assertMentions(message, 'The copy failed', 'InternalError', 'left incomplete', 'overwrite: true');
    assert.equal(emu.copyStore.starts, 1, 'not restarted: not a SAS refusal');
  });

  it('cancel during the copy aborts the pending copy and says what is left', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.copyMs = 30_000;
    const r = await runCopyTask(emu, dest(emu), { cancel: { afterLine: /^Copy started/, delayMs: 300 } });
    assert.equal(emu.copyStore.aborts, 1);
    assert.equal(emu.copyStore.blobs.get('dest/golden.bacpac')?.status, 'aborted');
    assertMentions(r.stdout, /aborted the pending copy/);
    assert.ok(r.durationMs < 10_000, 'ended promptly');
  });

  it('timeoutMinutes runs out: the pending copy is aborted and the step fails', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.copyMs = 60_000;
    const message = singleError(await runCopyTask(emu, { ...dest(emu), timeoutMinutes: '0.03' }));
    assertMentions(message, 'did not finish within timeoutMinutes', 'it was aborted');
    assert.equal(emu.copyStore.aborts, 1);
  });

  it('no data role: 403 AuthorizationPermissionMismatch names Storage Blob Data Contributor', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.missingRole = true;
    const message = singleError(await runCopyTask(emu, dest(emu)));
    assertMentions(message, 'AuthorizationPermissionMismatch', 'Storage Blob Data Contributor', 'Access control (IAM)');
  });

  it('the storage firewall: 403 AuthorizationFailure says what to allow', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.firewall = true;
    const message = singleError(await runCopyTask(emu, dest(emu)));
    assertMentions(message, 'AuthorizationFailure', 'Networking');
  });

  it('throttling: 503 ServerBusy is waited out', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.busyFirst = 1;
    const r = await runCopyTask(emu, dest(emu));
    assertResult(r, 'Succeeded');
    assertMentions(r.stdout, 'busy');
  });

  it('a damaged copy (Content-MD5 differs) fails and is not published', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.copyStore.faults.wrongMd5 = true;
    const r = await runCopyTask(emu, dest(emu));
    assertMentions(singleError(r), 'Content-MD5', 'Do not use it');
    assert.equal(outputValue(r, 'CopiedBlobUrl'), undefined);
  });

  it('a SAS destination: an existing blob fails without overwrite; the SAS never reaches the log', async () => {
    const emu = ctx.emu;
    serve(emu);
    const sas = destinationSasUrl(emu.url, 'dest');
    const inputs = { destinationSasUrl: sas, azureSubscription: undefined };
    assertResult(await runCopyTask(emu, inputs, {}, [sas, 'emulator-destination-sig']), 'Succeeded');
    assertMentions(singleError(await runCopyTask(emu, inputs, {}, [sas, 'emulator-destination-sig'])), 'already exists');
    assertResult(await runCopyTask(emu, { ...inputs, overwrite: 'true' }, {}, [sas, 'emulator-destination-sig']), 'Succeeded');
  });

  it('a container that does not exist: says to create it', async () => {
    const emu = ctx.emu;
    serve(emu);
    const message = singleError(await runCopyTask(emu, { ...dest(emu), containerName: 'missing' }));
    assertMentions(message, 'does not exist', 'Create the container missing');
  });
});
