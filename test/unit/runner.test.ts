/** The runner: one readable failure for anything a task throws, and an end soon after a cancel. */
import { strict as assert } from 'node:assert';
import * as sinon from 'sinon';
import { InputError } from '../../tasks/common/errors';
import { CANCEL_GRACE_MS, executeTask } from '../../tasks/common/runner';
import { FakeHost } from '../support/fakeHost';

describe('executeTask', () => {
  it('a TaskFailure becomes its message and advice', async () => {
    const host = new FakeHost({ inputs: {} });
    await executeTask(async () => { throw new InputError('Bad input.', 'Fix it.'); }, host);
    assert.deepEqual(host.result, { status: 'Failed', message: 'Bad input. Fix it.' });
  });

  it('anything else is reported as a bug, the stack only in debug output', async () => {
    const host = new FakeHost({ inputs: {} });
    await executeTask(async () => { throw new TypeError('x is undefined'); }, host);
    assert.match(host.result!.message, /^Unexpected error: x is undefined\. This is a bug/);
    assert.ok(!host.text(['info', 'warn']).includes('at '), 'no stack trace outside debug');
  });

  describe('cancellation', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => clock.restore());

    it(`a task stuck in a request is failed ${CANCEL_GRACE_MS} ms after the cancel`, async () => {
      const host = new FakeHost({ inputs: {} });
      const done = executeTask(() => new Promise<void>(() => undefined), host);
      await clock.tickAsync(10_000);
      assert.equal(host.result, undefined, 'no cancel, no end');
      host.cancel('SIGINT');
      await clock.tickAsync(CANCEL_GRACE_MS - 1);
      assert.equal(host.result, undefined, 'the task gets its grace period to end with its own message');
      await clock.tickAsync(1);
      await done;
      assert.deepEqual(host.result, { status: 'Failed', message: 'The step was cancelled (SIGINT).' });
    });

    it('a task that ends with its own message within the grace period keeps it', async () => {
      const host = new FakeHost({ inputs: {} });
      const done = executeTask(
        (h) => new Promise<void>((_, reject) => h.onCancel(() => reject(new InputError('Cancelled while waiting; it goes on in LCS.')))),
        host,
      );
      await clock.tickAsync(0);
      host.cancel('SIGINT');
      await done;
      assert.equal(host.result?.message, 'Cancelled while waiting; it goes on in LCS.');
    });
  });
});
