/**
 * LcsDatabaseOperationStatus@1's task function in this process under a FakeHost, against the
 * emulator: an operation started elsewhere, waited for or looked at once.
 */
import { strict as assert } from 'node:assert';
import { addOperation, type Emulator, type Operation } from '../emulator/emulator';
import { emulatorHost } from './support';
import { useEmulator } from '../support/useEmulator';
import { executeTask } from '../../tasks/common/platform/runner';
import { checkOperation } from '../../tasks/LcsDatabaseOperationStatusV1/checkOperation';

const TARGET = '1b2c3d4e-5f60-4b7c-9d0e-1f2a3b4c5d6e';
let ctx: { readonly emu: Emulator };

function startedElsewhere(script: string[]): Operation {
  return addOperation(ctx.emu, { kind: 'refresh', environmentId: TARGET, script, startedAt: Date.now() - 3_600_000 });
}
const hostFor = (op: Operation, inputs: Record<string, string> = {}) =>
  emulatorHost(ctx.emu, { environmentId: op.environmentId, operationActivityId: op.activityId, pollIntervalSeconds: '1', timeoutMinutes: '1', ...inputs });

describe('in-process: LcsDatabaseOperationStatus@1 under a fake host', function () {
  this.timeout(20_000);
  ctx = useEmulator();

  it('waits for an operation started elsewhere until it completes', async () => {
    const op = startedElsewhere(['InProgress', 'Completed']);
    const host = hostFor(op);
    await executeTask(checkOperation, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    assert.equal(host.outputs.get('OperationStatus')?.value, 'Completed');
    assert.ok(host.outputs.get('CompletionDate')?.value, 'a completion date is published');
  });

  it('waitForCompletion false: one look, the current state, no wait', async () => {
    const op = startedElsewhere(['InProgress', 'Completed']);
    const host = hostFor(op, { waitForCompletion: 'false' });
    await executeTask(checkOperation, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    assert.equal(host.outputs.get('OperationStatus')?.value, 'InProgress');
    assert.equal(ctx.emu.requests.filter((r) => /fetchstatus/i.test(r.path)).length, 1);
  });

  it('an operation that ended in failure fails the step with its state', async () => {
    const op = startedElsewhere(['Failed']);
    const host = hostFor(op, { waitForCompletion: 'false' });
    await executeTask(checkOperation, host);
    assert.equal(host.result?.status, 'Failed');
    assert.equal(host.outputs.get('OperationStatus')?.value, 'Failed');
  });
});
