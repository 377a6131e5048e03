/** The pure state machine of an operation: which states end a wait, elapsed time in words. */
import { strict as assert } from 'node:assert';
import { classifyState, formatElapsed } from '../../tasks/common/wait/operationState';

describe('operation state', () => {
  it('classifies states; unknown ones keep waiting', () => {
    for (const state of ['Completed', 'SignedOff', 'completed']) assert.equal(classifyState(state).verdict, 'succeeded');
    for (const state of ['Failed', 'Aborted', 'RollbackFailed', 'RollbackCompleted']) assert.equal(classifyState(state).verdict, 'failed');
    for (const state of ['NotStarted', 'InProgress', 'RollbackInProgress']) assert.deepEqual(classifyState(state), { verdict: 'waiting', known: true });
    assert.deepEqual(classifyState('PreServicingInProgress'), { verdict: 'waiting', known: false });
  });

  it('formats elapsed time', () => {
    assert.equal(formatElapsed(40_000), '40 s');
    assert.equal(formatElapsed(12 * 60_000), '12 min');
    assert.equal(formatElapsed(65 * 60_000), '1 h 05 min');
  });
});
