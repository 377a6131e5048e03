/**
 * LcsDatabaseExport@1's task function in this process under a FakeHost, against the emulator:
 * a whole export with its wait in a couple of seconds, and a cancellation played by the host.
 */
import { strict as assert } from 'node:assert';
import type { Emulator } from '../emulator/emulator';
import { cancelWhileWaiting, emulatorHost } from './support';
import { useEmulator } from '../support/useEmulator';
import { executeTask } from '../../tasks/common/platform/runner';
import { exportDatabase } from '../../tasks/LcsDatabaseExportV1/exportDatabase';

const ENV = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const hostFor = (inputs: Record<string, string> = {}) =>
  emulatorHost(ctx.emu, { environmentId: ENV, backupName: 'UAT-inprocess', pollIntervalSeconds: '1', timeoutMinutes: '1', ...inputs });
let ctx: { readonly emu: Emulator };

describe('in-process: LcsDatabaseExport@1 under a fake host', function () {
  this.timeout(20_000);
  ctx = useEmulator();

  it('exports, waits, and publishes the new backup with FileLocation secret', async () => {
    ctx.emu.operationScript = ['NotStarted', 'InProgress', 'Completed'];
    const host = hostFor();
    await executeTask(exportDatabase, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    const backup = ctx.emu.operations[0].backup!;
    assert.equal(host.outputs.get('BackupId')?.value, backup.Id);
    assert.deepEqual(host.outputs.get('FileLocation'), { value: backup.FileLocation, isSecret: true });
    assert.equal(host.outputs.get('OperationActivityId')?.value, ctx.emu.operations[0].activityId);
    assert.equal(host.outputs.get('OperationStatus')?.value, 'Completed');
    assert.match(
      host.text(['info']),
      /^Output variables: OperationActivityId, OperationStatus, CompletionDate, BackupId, FileLocation \(secret\), FileLocationExpiresOn,/m,
    );
    assert.ok(!host.text().includes(backup.FileLocation!), 'the SAS URL reached the log');
  });

  it('cancelled by the host while waiting: fails at once, saying the export keeps running', async () => {
    ctx.emu.operationScript = ['InProgress'];
    const host = hostFor({ pollIntervalSeconds: '30' });
    const took = await cancelWhileWaiting(exportDatabase, host);
    assert.ok(took < 5000, 'ended promptly');
    assert.equal(host.result?.status, 'Failed');
    assert.match(host.result!.message, /Cancelled while waiting for the export/);
    assert.match(host.text(['warn']), /keeps running in LCS \(operation id [0-9a-f-]{36}\)/);
  });
});
