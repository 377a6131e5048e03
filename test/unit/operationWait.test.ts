/**
 * The wait for an LCS operation under sinon's fake clock: states, failures, unknown states,
 * transient errors, the deadline, cancellation, and how few lines a long wait writes.
 */
import { strict as assert } from 'node:assert';
import * as sinon from 'sinon';
import { LcsApiError, OperationError, ProxyAuthError, ThrottledError, TransportError, WaitEndedError } from '../../tasks/common/platform/errors';
import { OperationRef, StatusAnswer, waitWithStatusStep } from '../../tasks/common/wait/operations';
import { DEADLINE_SLACK_MS, NOT_VISIBLE_MS, WaitDependencies, waitForOperation } from '../../tasks/common/wait/operationWait';
import { RetryBudget, budgetWithin } from '../../tasks/common/http/retry';

const REF: OperationRef = {
  label: 'export',
  projectId: 1,
  environmentId: 'e0000000-0000-0000-0000-000000000001',
  activityId: 'a0000000-0000-0000-0000-000000000001',
};
const START = Date.UTC(2026, 10, 29, 8, 0, 0);
/** What the export's descriptor says, as startAndWait passes it. */
const AGAIN = waitWithStatusStep('LcsDatabaseOperationStatus@1').howToWaitAgain(REF);

type Answer = StatusAnswer | Error;

class Recorder {
  lines: string[] = [];
  warnings: string[] = [];
  outputs = new Map<string, string>();
  polls = 0;
  cancelHandler?: (signal: string) => void;
  budgets: RetryBudget[] = [];

  deps(answers: Answer[]): WaitDependencies {
    return {
      host: {
        info: (l) => this.lines.push(l),
        warn: (l) => this.warnings.push(l),
        debug: () => undefined,
        setOutput: (name, value) => this.outputs.set(name, value),
        onCancel: (handler) => {
          this.cancelHandler = handler;
          return () => (this.cancelHandler = undefined);
        },
      },
      poll: async (budget) => {
        this.budgets.push(budget);
        const answer = answers[Math.min(this.polls++, answers.length - 1)];
        if (answer instanceof Error) throw answer;
        return answer;
      },
      newBudget: (capMs) => budgetWithin(300_000, 100_000, capMs),
    };
  }
}

const s = (state: string, completion?: number): StatusAnswer => ({ state, completionDate: completion ? { epochMs: completion, subMsTicks: 0 } : undefined });

async function settle<T>(clock: sinon.SinonFakeTimers, promise: Promise<T>): Promise<T | Error> {
  const result = promise.then(
    (v) => v,
    (e: Error) => e,
  );
  await clock.runAllAsync();
  return result;
}

describe('waitForOperation', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  it('polls once per interval until Completed, logs each change, publishes the state and CompletionDate', async () => {
    const r = new Recorder();
    const done = Date.UTC(2026, 10, 29, 8, 3, 0);
    const result = await settle(
      clock,
      waitForOperation(r.deps([s('NotStarted'), s('InProgress'), s('InProgress'), s('Completed', done)]), {
        ref: REF,
        waitAgain: AGAIN,
        timeoutMs: 3_600_000,
        pollIntervalMs: 60_000,
      }),
    );
    assert.deepEqual(result, s('Completed', done));
    assert.equal(r.polls, 4);
    assert.equal(Date.now(), START + 3 * 60_000, 'three intervals of waiting');
    assert.equal(r.lines.length, 3, r.lines.join('\n'));
    assert.match(r.lines[2], /export Completed \(after 3 min\)/);
    assert.equal(r.outputs.get('OperationStatus'), 'Completed');
    assert.equal(r.outputs.get('CompletionDate'), '2026-11-29T08:03:00.000Z');
  });

  it('SignedOff succeeds too', async () => {
    const r = new Recorder();
    const result = await settle(clock, waitForOperation(r.deps([s('SignedOff')]), { ref: REF, waitAgain: AGAIN, timeoutMs: 60_000, pollIntervalMs: 1000 }));
    assert.deepEqual(result, s('SignedOff'));
  });

  for (const state of ['Failed', 'Aborted', 'RollbackFailed', 'RollbackCompleted']) {
    it(`${state} fails with the state and the activity id`, async () => {
      const r = new Recorder();
      const result = await settle(
        clock,
        waitForOperation(r.deps([s('InProgress'), s(state)]), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }),
      );
      assert.ok(result instanceof OperationError, String(result));
      assert.match(result.message, new RegExp(`state ${state} \\(operation id ${REF.activityId}\\)`));
      assert.equal(r.outputs.get('OperationStatus'), state);
    });
  }

  it('an unknown state keeps the wait going and is warned once, with its name and that the wait ends at timeoutMinutes', async () => {
    const r = new Recorder();
    const result = await settle(
      clock,
      waitForOperation(r.deps([s('PreServicing'), s('PreServicing'), s('InProgress'), s('PreServicing'), s('Completed')]), {
        ref: REF,
        waitAgain: AGAIN,
        timeoutMs: 3_600_000,
        pollIntervalMs: 1000,
      }),
    );
    assert.deepEqual(result, s('Completed'));
    const warned = r.warnings.filter((l) => /does not know, 'PreServicing'/.test(l));
    assert.equal(warned.length, 1, r.warnings.join('\n'));
    assert.match(warned[0], /ends at timeoutMinutes \(1 h 00 min after it began\)/);
  });

  it('a transient failure of one status request (throttled, 5xx, network) never ends the wait', async () => {
    const r = new Recorder();
    const answers: Answer[] = [
      s('InProgress'),
      new ThrottledError('LCS (lcsapi.lcs.dynamics.com) is throttling requests (HTTP 429).', 'Wait.'),
      new TransportError('LCS (lcsapi.lcs.dynamics.com) is unavailable (HTTP 503).', 'Later.'),
      new TransportError('Could not reach LCS: connection reset.', 'Check.'),
      new LcsApiError('LCS answered HTTP 200 with 512 bytes of text/html that is not JSON.', 'Proxy?', 200, true),
      s('Completed'),
    ];
    const result = await settle(clock, waitForOperation(r.deps(answers), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }));
    assert.deepEqual(result, s('Completed'));
    assert.equal(r.warnings.length, 4);
  });

  it('an answer that waiting cannot change (IsSuccess false, 403) ends the wait at once', async () => {
    const r = new Recorder();
    const refused = new LcsApiError("LCS could not report the operation's status: not found.", 'Check.', 200);
    const result = await settle(
      clock,
      waitForOperation(r.deps([s('InProgress'), refused]), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }),
    );
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.equal(result.message, refused.message);
    assert.equal(r.polls, 2);
    assert.equal(Date.now(), START + 60_000);
  });

  it('after our own start: the first poll waits the interval or 30 s, the shorter; "not found" at first is "not visible yet"', async () => {
    const r = new Recorder();
    const notFound = new LcsApiError("LCS could not report the operation's status: Operation activity x was not found.", 'Check.', 200);
    const result = await settle(
      clock,
      waitForOperation(r.deps([notFound, notFound, s('InProgress'), s('Completed')]), {
        ref: REF,
        waitAgain: AGAIN,
        timeoutMs: 3_600_000,
        pollIntervalMs: 60_000,
        justStarted: true,
      }),
    );
    assert.deepEqual(result, s('Completed'));
    assert.equal(r.polls, 4);
    assert.equal(Date.now(), START + 30_000 + 3 * 60_000, 'a 30 s grace, then one poll per interval');
    assert.equal(r.lines.filter((l) => /does not report on the operation yet/.test(l)).length, 1, r.lines.join('\n'));
    assert.equal(r.warnings.length, 0);
  });

  it('after our own start: a short interval is the grace; "not found" past the first minutes ends the wait', async () => {
    const r = new Recorder();
    const notFound = new LcsApiError("LCS could not report the operation's status: not found.", 'Check.', 200);
    const started = Date.now();
    const result = await settle(
      clock,
      waitForOperation(r.deps([notFound]), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 10_000, justStarted: true }),
    );
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.equal(result.message, notFound.message);
    assert.ok(Date.now() - started >= NOT_VISIBLE_MS && Date.now() - started <= NOT_VISIBLE_MS + 10_000, `${Date.now() - started} ms`);
    assert.equal(r.polls, NOT_VISIBLE_MS / 10_000, 'every 10 s from 10 s after the start, the last at the bound');
  });

  it('ends at the deadline with how to wait again; no request runs past it', async () => {
    const r = new Recorder();
    const result = await settle(clock, waitForOperation(r.deps([s('InProgress')]), { ref: REF, waitAgain: AGAIN, timeoutMs: 150_000, pollIntervalMs: 60_000 }));
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.match(result.userMessage, /did not end within timeoutMinutes \(2 min\); its last known state is InProgress/);
    assert.match(
      result.userMessage,
      new RegExp(`LcsDatabaseOperationStatus@1 with environmentId ${REF.environmentId} and operationActivityId ${REF.activityId}`),
    );
    assert.equal(Date.now(), START + 150_000);
    assert.equal(r.polls, 4, 'at 0, 60, 120 and the deadline');
    for (const budget of r.budgets) assert.ok(budget.hardDeadline <= START + 150_000 + 1000, 'a poll is cut at the deadline');
  });

  it('a 6-hour wait polled every minute writes a handful of lines: changes and a heartbeat every 10 minutes', async () => {
    const r = new Recorder();
    const answers = [s('InProgress'), ...Array.from({ length: 360 }, () => s('InProgress')), s('Completed')];
    await settle(clock, waitForOperation(r.deps(answers), { ref: REF, waitAgain: AGAIN, timeoutMs: 7 * 3_600_000, pollIntervalMs: 60_000 }));
    assert.equal(r.polls, 362);
    const heartbeats = r.lines.filter((l) => /still InProgress after/.test(l));
    assert.equal(heartbeats.length, 36, r.lines.join('\n'));
    assert.equal(r.lines.length, 38);
  });

  it('a 20-poll wait without state changes adds at most a handful of lines', async () => {
    const r = new Recorder();
    await settle(
      clock,
      waitForOperation(r.deps([...Array.from({ length: 20 }, () => s('InProgress')), s('Completed')]), {
        ref: REF,
        waitAgain: AGAIN,
        timeoutMs: 3_600_000,
        pollIntervalMs: 60_000,
      }),
    );
    assert.ok(r.lines.length <= 5, r.lines.join('\n'));
  });

  it('cancellation: says the operation keeps running with its id, and ends promptly', async () => {
    const r = new Recorder();
    const waiting = waitForOperation(r.deps([s('InProgress')]), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }).then(
      (v) => v,
      (e: Error) => e,
    );
    await clock.tickAsync(90_000);
    assert.ok(r.cancelHandler, 'listens for cancellation');
    r.cancelHandler!('SIGINT');
    const result = await waiting;
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.match(result.message, /Cancelled while waiting for the export/);
    assert.match(r.warnings.join('\n'), new RegExp(`keeps running in LCS \\(operation id ${REF.activityId}\\)`));
    assert.equal(Date.now(), START + 90_000, 'no more waiting after the cancel');
    assert.equal(r.cancelHandler, undefined, 'stops listening');
  });

  it('cancellation while a status request hangs ends the wait too', async () => {
    const r = new Recorder();
    const deps = r.deps([]);
    let given: AbortSignal | undefined;
    deps.poll = (_budget, signal) => {
      given = signal;
      return new Promise(() => undefined);
    };
    const waiting = waitForOperation(deps, { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }).then(
      (v) => v,
      (e: Error) => e,
    );
    await clock.tickAsync(10);
    assert.equal(given?.aborted, false, 'the request runs with a live signal');
    r.cancelHandler!('SIGTERM');
    assert.ok((await waiting) instanceof WaitEndedError);
    assert.equal(given?.aborted, true, 'the request in flight is aborted, not left running');
    assert.equal(Date.now(), START + 10, 'at once');
  });

  it('a status request that hangs past the deadline (a token renewal inside it, say) is left behind', async () => {
    const r = new Recorder();
    const deps = r.deps([s('InProgress')]);
    const first = deps.poll;
    const hung: AbortSignal[] = [];
    deps.poll = (budget, signal) => {
      if (r.polls === 0) return first(budget, signal);
      hung.push(signal);
      // Settles only when aborted, as a real status request does: then with the abort's reason.
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    };
    const result = await settle(clock, waitForOperation(deps, { ref: REF, waitAgain: AGAIN, timeoutMs: 120_000, pollIntervalMs: 60_000 }));
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.match(result.message, /did not end within timeoutMinutes/);
    assert.equal(Date.now(), START + 120_000 + DEADLINE_SLACK_MS, 'ends at the deadline plus the slack');
    assert.equal(hung.length, 1);
    assert.equal(hung[0].aborted, true, 'the request abandoned at the deadline is aborted');
    assert.equal(r.warnings.length, 0, 'an aborted request is no failure to warn about');
  });

  it('a status request that ignores its signal (never settles) does not hold the wait past the deadline', async () => {
    const r = new Recorder();
    const deps = r.deps([s('InProgress')]);
    const first = deps.poll;
    deps.poll = (budget, signal) => (r.polls === 0 ? first(budget, signal) : new Promise<never>(() => undefined));
    const result = await settle(clock, waitForOperation(deps, { ref: REF, waitAgain: AGAIN, timeoutMs: 120_000, pollIntervalMs: 60_000 }));
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.match(result.message, /did not end within timeoutMinutes/);
    assert.equal(Date.now(), START + 120_000 + DEADLINE_SLACK_MS, 'ends at the deadline plus the slack');
  });

  it('a request that ends (answers or fails) before the deadline is never aborted', async () => {
    const r = new Recorder();
    const deps = r.deps([s('InProgress'), new TransportError('Could not reach LCS: connection reset.', 'Check.'), s('Completed')]);
    const given: AbortSignal[] = [];
    const poll = deps.poll;
    deps.poll = (budget, signal) => {
      given.push(signal);
      return poll(budget, signal);
    };
    await settle(clock, waitForOperation(deps, { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }));
    assert.equal(given.length, 3);
    assert.deepEqual(
      given.map((signal) => signal.aborted),
      [false, false, false],
    );
    assert.equal(clock.countTimers(), 0, "no timer left behind (the deadline's is cleared)");
  });

  it('the same failure again and again is one warning, not a line per poll', async () => {
    const r = new Recorder();
    const garbled = new LcsApiError('LCS answered HTTP 200 with 512 bytes of text/html that is not JSON.', 'Proxy?', 200, true);
    await settle(
      clock,
      waitForOperation(r.deps([s('InProgress'), garbled, garbled, garbled, garbled, s('Completed')]), {
        ref: REF,
        waitAgain: AGAIN,
        timeoutMs: 3_600_000,
        pollIntervalMs: 60_000,
      }),
    );
    assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
  });

  it('a failure that ends the wait early says the operation may go on, and how to wait again', async () => {
    const r = new Recorder();
    const forbidden = new LcsApiError('LCS refused access to project 1 (HTTP 403).', 'Add the account to the project.', 403);
    const result = await settle(
      clock,
      waitForOperation(r.deps([s('InProgress'), forbidden]), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }),
    );
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.match(result.userMessage, /HTTP 403\)\. Add the account to the project\. If the export was started, it goes on in LCS/);
    assert.match(result.userMessage, /LcsDatabaseOperationStatus@1/);
  });

  it("the agent's proxy asking for credentials (407) ends the wait at once: waiting would not cure it", async () => {
    const r = new Recorder();
    const proxy = new ProxyAuthError(
      "The agent's proxy refused to connect to LCS (lcsapi.lcs.dynamics.com): HTTP 407 Proxy Authentication Required.",
      'Check the proxy credentials.',
    );
    const result = await settle(
      clock,
      waitForOperation(r.deps([s('InProgress'), proxy, s('Completed')]), { ref: REF, waitAgain: AGAIN, timeoutMs: 3_600_000, pollIntervalMs: 60_000 }),
    );
    assert.ok(result instanceof WaitEndedError, String(result));
    assert.match(result.userMessage, /HTTP 407 Proxy Authentication Required/);
    assert.equal(r.polls, 2, 'no status request after the 407');
  });
});
