import { strict as assert } from 'node:assert';
import { InputError } from '../../tasks/common/platform/errors';
import * as sinon from 'sinon';
import { CANCEL_GRACE_MS, executeTask } from '../../tasks/common/platform/runner';
import { FakeHost } from '../support/fakeHost';

function host(): FakeHost {
  return new FakeHost({ inputs: {} });
}

describe('runner: executeTask', () => {
  it('resolves to false when the task sets a successful result', async () => {
    const h = host();
    assert.equal(await executeTask(async (t) => t.succeed('done'), h), false);
    assert.equal(h.result?.status, 'Succeeded');
  });

  it('resolves to false for SucceededWithIssues', async () => {
    const h = host();
    assert.equal(await executeTask(async (t) => t.succeedWithIssues('meh'), h), false);
  });

  it('resolves to true when the task throws a TaskFailure, and sets its message', async () => {
    const h = host();
    assert.equal(
      await executeTask(async () => {
        throw new InputError('Bad input.', 'Fix it.');
      }, h),
      true,
    );
    assert.deepEqual(h.result, { status: 'Failed', message: 'Bad input. Fix it.' });
  });

  it('resolves to true on an unexpected error, without a stack trace in the result', async () => {
    const h = host();
    assert.equal(
      await executeTask(async () => {
        throw new TypeError('boom');
      }, h),
      true,
    );
    assert.equal(h.result?.status, 'Failed');
    assert.match(h.result!.message, /^Unexpected error: boom\. This is a bug/);
    assert.doesNotMatch(h.result!.message, /\n\s+at /);
  });

  it('reports a thrown value that is not an Error (undefined, a string) by its text', async () => {
    for (const [thrown, text] of [
      [undefined, 'undefined'],
      ['a string', 'a string'],
    ] as const) {
      const h = host();
      assert.equal(
        await executeTask(async () => {
          throw thrown;
        }, h),
        true,
      );
      assert.equal(h.result?.message.startsWith(`Unexpected error: ${text}. This is a bug`), true, h.result?.message);
    }
  });

  it('hands the task the host itself (inputs, secrets, outputs)', async () => {
    const h = new FakeHost({ inputs: { projectId: '42' } });
    await executeTask(async (t) => {
      assert.equal(t, h, 'no wrapper around the host');
      t.setSecret(t.inputs.getInput('projectId')!);
      t.setOutput('X', 'y');
      t.succeed('ok');
    }, h);
    assert.ok(h.secrets.has('42'));
    assert.equal(h.outputs.get('X')?.value, 'y');
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
