import { strict as assert } from 'node:assert';
import * as sinon from 'sinon';
import { MAX_TRIES_WITHOUT_PROGRESS, StallBudget, pause } from '../../tasks/common/download/retryPolicy';

describe('download: retry decision', () => {
  const busy = { kind: 'response' as const, status: 503, headers: {} };

  it('retries 5xx, 429, resets and timeouts; not other 4xx or certificate errors', () => {
    const budget = new StallBudget(
      60_000,
      () => 0,
      () => 0.5,
    );
    assert.equal(budget.decide(busy, 1).retry, true);
    assert.equal(budget.decide({ kind: 'response', status: 429, headers: { 'retry-after': '3' } }, 1).retry, true);
    assert.equal(budget.decide({ kind: 'failure', code: 'ECONNRESET', timedOut: false }, 1).retry, true);
    assert.equal(budget.decide({ kind: 'failure', code: '', timedOut: true }, 1).retry, true);
    assert.equal(budget.decide({ kind: 'response', status: 400, headers: {} }, 1).retry, false);
    assert.equal(budget.decide({ kind: 'failure', code: 'CERT_HAS_EXPIRED', timedOut: false }, 1).retry, false);
    const wait = budget.decide({ kind: 'response', status: 429, headers: { 'retry-after': '3' } }, 1);
    assert.ok(wait.retry && wait.waitMs === 3000, JSON.stringify(wait));
  });

  it('gives up after 10 tries without progress, or when no byte arrived within the budget', () => {
    let now = 0;
    const budget = new StallBudget(
      60_000,
      () => now,
      () => 0.5,
    );
    assert.equal(budget.decide(busy, MAX_TRIES_WITHOUT_PROGRESS).retry, false);
    now = 59_000;
    assert.equal(budget.decide(busy, 1).retry, true);
    now = 61_000;
    assert.equal(budget.decide(busy, 2).retry, false);
    assert.equal(
      budget.decide({ kind: 'failure', code: '', timedOut: true }, 1).retry,
      true,
      "a request's first failure (one hung connection) is tried once more",
    );
    budget.progressed();
    assert.equal(budget.decide(busy, 2).retry, true, 'progress renews the budget');
    assert.equal(budget.decide({ kind: 'response', status: 503, headers: { 'retry-after': '120' } }, 1).retry, false, 'Retry-After beyond the budget');
    assert.equal(new StallBudget(0, () => 0).decide(busy, 1).retry, false, 'budget 0: no retries');
  });

  it("says why it gives up as a typed cause, not in the reason's words", () => {
    let now = 0;
    const budget = new StallBudget(
      60_000,
      () => now,
      () => 0.5,
    );
    const cause = (d: ReturnType<StallBudget['decide']>): string => (d.retry ? 'retry' : d.cause);
    assert.equal(cause(budget.decide({ kind: 'response', status: 403, headers: {} }, 1)), 'refused');
    assert.equal(cause(budget.decide({ kind: 'failure', code: 'CERT_HAS_EXPIRED', timedOut: false }, 1)), 'refused');
    assert.equal(cause(budget.decide(busy, MAX_TRIES_WITHOUT_PROGRESS)), 'tries');
    assert.equal(cause(budget.decide({ kind: 'response', status: 503, headers: { 'retry-after': '120' } }, 1)), 'budget');
    now = 61_000;
    assert.equal(cause(budget.decide(busy, 2)), 'budget');
  });

  it('waits before a retry (sinon fake timers drive timers/promises) and stops waiting when the run stops', async () => {
    const clock = sinon.useFakeTimers();
    try {
      let over = false;
      const waiting = pause(10_000, new AbortController().signal).then(() => {
        over = true;
      });
      await clock.tickAsync(9_999);
      assert.equal(over, false, 'the wait ended early');
      await clock.tickAsync(1);
      await waiting;
      const stop = new AbortController();
      const stopped = pause(3_600_000, stop.signal);
      stop.abort();
      await stopped;
      await pause(3_600_000, stop.signal);
    } finally {
      clock.restore();
    }
  });
});
