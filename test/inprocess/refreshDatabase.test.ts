/**
 * LcsDatabaseRefresh@1's task function in this process under a FakeHost, against the emulator:
 * a whole refresh with its wait, a refusal before any operation exists, and a cancellation.
 */
import { strict as assert } from 'node:assert';
import type { Emulator } from '../emulator/emulator';
import { cancelWhileWaiting, emulatorHost } from './support';
import { useEmulator } from '../support/useEmulator';
import { executeTask } from '../../tasks/common/platform/runner';
import { refreshDatabase } from '../../tasks/LcsDatabaseRefreshV1/refreshDatabase';

const SOURCE = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const TARGET = '1b2c3d4e-5f60-4b7c-9d0e-1f2a3b4c5d6e';
const hostFor = (inputs: Record<string, string> = {}) =>
  emulatorHost(ctx.emu, { sourceEnvironmentId: SOURCE, targetEnvironmentId: TARGET, pollIntervalSeconds: '1', timeoutMinutes: '1', ...inputs });
let ctx: { readonly emu: Emulator };

describe('in-process: LcsDatabaseRefresh@1 under a fake host', function () {
  this.timeout(20_000);
  ctx = useEmulator();

  it('refreshes the target from the source, waits, and publishes the operation and its state', async () => {
    ctx.emu.operationScript = ['NotStarted', 'InProgress', 'Completed'];
    const host = hostFor();
    await executeTask(refreshDatabase, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    const [operation] = ctx.emu.operations;
    assert.equal(operation.kind, 'refresh');
    assert.equal(operation.environmentId, TARGET);
    assert.equal(operation.sourceId, SOURCE);
    assert.equal(host.outputs.get('OperationActivityId')?.value, operation.activityId);
    assert.equal(host.outputs.get('OperationStatus')?.value, 'Completed');
  });

  it('the same environment as source and target: fails before any request', async () => {
    const host = hostFor({ targetEnvironmentId: SOURCE.toUpperCase() });
    await executeTask(refreshDatabase, host);
    assert.equal(host.result?.status, 'Failed');
    assert.match(host.result?.message ?? '', /same environment/);
    assert.equal(ctx.emu.requests.length, 0);
  });

  it('cancelled by the host while waiting: fails at once, saying the refresh keeps running', async () => {
    ctx.emu.operationScript = ['InProgress'];
    const host = hostFor({ pollIntervalSeconds: '30' });
    const took = await cancelWhileWaiting(refreshDatabase, host);
    assert.ok(took < 5000, 'ended promptly');
    assert.equal(host.result?.status, 'Failed');
    assert.match(host.text(['warn']), /keeps running in LCS/);
  });
});
