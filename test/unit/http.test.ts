import { strict as assert } from 'node:assert';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sinon from 'sinon';
import { TransportError } from '../../tasks/common/platform/errors';
import { HttpClient, HttpRequest, HttpResponse, Transport, TransportResult, axiosTransport } from '../../tasks/common/http/http';
import { RetryBudget, BODY_TOO_LARGE } from '../../tasks/common/http/retry';
import * as http from 'node:http';
import { gzipSync } from 'node:zlib';

const START = Date.UTC(2026, 0, 15, 3, 0, 0);

const REQUEST: HttpRequest = {
  method: 'GET',
  url: 'https://lcsapi.lcs.dynamics.com/databasemovement/v1/databases/project/1234567',
  headers: { Authorization: 'Bearer secret-token' },
  service: 'LCS',
};

type Step =
  | TransportResult
  /** Never answers: the attempt ends when its timeout fires. */
  | 'hang'
  /** Answers after some time (but no later than the attempt's timeout). */
  | { delayMs: number; result: TransportResult };

interface Call {
  /** Fake time the attempt started, relative to START. */
  at: number;
  timeoutMs: number;
}

function ok(body = '{}'): TransportResult {
  return { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body };
}

function status(code: number, headers: Record<string, string> = {}): TransportResult {
  return { kind: 'response', status: code, headers, body: `HTTP ${code}` };
}

function fail(code: string): TransportResult {
  return { kind: 'failure', code, timedOut: false, message: `${code} from the fake transport` };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A transport that plays `steps` in order (the last one repeats) and records each call. */
function scripted(steps: Step[]): { transport: Transport; calls: Call[] } {
  const calls: Call[] = [];
  const transport: Transport = async (_request, timeoutMs) => {
    const step = steps[Math.min(calls.length, steps.length - 1)];
    calls.push({ at: Date.now() - START, timeoutMs });
    if (step === 'hang') {
      await delay(timeoutMs);
      return { kind: 'failure', code: 'ETIMEDOUT', timedOut: true, message: 'timeout' };
    }
    if ('delayMs' in step) {
      if (step.delayMs >= timeoutMs) {
        await delay(timeoutMs);
        return { kind: 'failure', code: 'ETIMEDOUT', timedOut: true, message: 'timeout' };
      }
      await delay(step.delayMs);
      return step.result;
    }
    return step;
  };
  return { transport, calls };
}

interface Outcome {
  done: boolean;
  value?: HttpResponse;
  error?: unknown;
}

function track(promise: Promise<HttpResponse>): Outcome {
  const outcome: Outcome = { done: false };
  promise.then(
    (value) => {
      outcome.done = true;
      outcome.value = value;
    },
    (error: unknown) => {
      outcome.done = true;
      outcome.error = error;
    },
  );
  return outcome;
}

function transportError(outcome: Outcome): TransportError {
  assert.ok(outcome.done, 'the request should have ended');
  assert.ok(outcome.error instanceof TransportError, `expected a TransportError, got ${String(outcome.error ?? outcome.value?.status)}`);
  return outcome.error;
}

describe('HttpClient (fake transport, fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  let logs: string[];

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    logs = [];
  });

  afterEach(() => {
    clock.restore();
  });

  function client(steps: Step[], budgetSeconds = 300, timeoutSeconds = 100, random: () => number = () => 0) {
    const { transport, calls } = scripted(steps);
    const budget = new RetryBudget(budgetSeconds * 1000, timeoutSeconds * 1000);
    const http = new HttpClient({ budget: () => budget, transport, log: (line) => logs.push(line), random });
    return { http, calls, budget };
  }

  it('returns a 200 at once, with no log line', async () => {
    const { http, calls } = client([ok('{"IsSuccess":true}')]);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(0);
    assert.ok(outcome.done);
    assert.equal(outcome.value?.status, 200);
    assert.equal(outcome.value?.body, '{"IsSuccess":true}');
    assert.equal(outcome.value?.attempts, 1);
    assert.equal(outcome.value?.headers['content-type'], 'application/json');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].timeoutMs, 100_000);
    assert.deepEqual(logs, []);
  });

  describe('a request that starts work (idempotent: false)', () => {
    const START_REQUEST = { ...REQUEST, method: 'POST' as const, idempotent: false };

    for (const step of [status(500), status(503), fail('ECONNRESET'), 'hang' as const]) {
      const what = typeof step === 'string' ? 'a lost answer (timeout)' : step.kind === 'response' ? `HTTP ${step.status}` : step.code;
      it(`is not repeated after ${what}: it may have acted`, async () => {
        const { http, calls } = client([step, ok()], 300, 5);
        const outcome = track(http.send(START_REQUEST));
        await clock.tickAsync(10_000);
        assert.ok(outcome.done);
        assert.equal(calls.length, 1);
      });
    }

    it('is repeated after 429 (LCS did not act) and after ECONNREFUSED (it never left)', async () => {
      const { http, calls } = client([status(429, { 'retry-after': '1' }), fail('ECONNREFUSED'), ok()]);
      const outcome = track(http.send(START_REQUEST));
      await clock.tickAsync(60_000);
      assert.equal(outcome.value?.status, 200);
      assert.equal(calls.length, 3);
    });
  });

  it('429 with Retry-After: 3, then 200: waits exactly 3 s, 2 attempts, one log line', async () => {
    const { http, calls } = client([status(429, { 'retry-after': '3' }), ok()]);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(2999);
    assert.equal(calls.length, 1, 'no second attempt before Retry-After has passed');
    assert.equal(outcome.done, false);
    await clock.tickAsync(1);
    assert.equal(calls.length, 2);
    assert.equal(calls[1].at, 3000);
    assert.ok(outcome.done);
    assert.equal(outcome.value?.status, 200);
    assert.equal(outcome.value?.attempts, 2);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /attempt 1\b/);
    assert.match(logs[0], /HTTP 429/);
    assert.match(logs[0], /Retry-After/);
    assert.match(logs[0], /3\.0 s/);
    assert.doesNotMatch(logs[0], /secret-token/);
  });

  it('honours a Retry-After HTTP date', async () => {
    const { http, calls } = client([status(503, { 'retry-after': new Date(START + 20_000).toUTCString() }), ok()]);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(19_999);
    assert.equal(calls.length, 1);
    await clock.tickAsync(1);
    assert.equal(calls.length, 2);
    assert.equal(outcome.value?.attempts, 2);
    assert.match(logs[0], /20 s/);
  });

  it('503, 503, 200: 3 attempts with growing backoff, one log line per retry', async () => {
    const { http, calls } = client([status(503), status(503), ok()]);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(60_000);
    assert.ok(outcome.done);
    assert.equal(outcome.value?.status, 200);
    assert.equal(outcome.value?.attempts, 3);
    // random() = 0: half of 1 s, then half of 2 s.
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 500, 1500],
    );
    assert.equal(logs.length, 2);
    assert.match(logs[0], /attempt 1\b.*HTTP 503.*0\.5 s/);
    assert.match(logs[1], /attempt 2\b.*HTTP 503.*1\.0 s/);
    for (const line of logs) {
      assert.doesNotMatch(line, /[\r\n]/);
      assert.match(line, /retry budget left/);
    }
  });

  it('uses the jitter: random() = 1 waits the full backoff', async () => {
    const { http, calls } = client([status(502), status(504), status(500), ok()], 300, 100, () => 1);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(60_000);
    assert.equal(outcome.value?.attempts, 4);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 1000, 3000, 7000],
    );
  });

  for (const code of [400, 401, 403, 404]) {
    it(`returns HTTP ${code} immediately: 1 attempt, no log line`, async () => {
      const { http, calls } = client([status(code, { 'retry-after': '1' }), ok()]);
      const outcome = track(http.send(REQUEST));
      await clock.tickAsync(0);
      assert.ok(outcome.done);
      assert.equal(outcome.value?.status, code);
      assert.equal(outcome.value?.attempts, 1);
      assert.equal(calls.length, 1);
      assert.deepEqual(logs, []);
    });
  }

  it('a network failure, then 200: 2 attempts, the log names the failure', async () => {
    const { http, calls } = client([fail('ECONNRESET'), ok()]);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(10_000);
    assert.equal(outcome.value?.status, 200);
    assert.equal(outcome.value?.attempts, 2);
    assert.equal(calls.length, 2);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /attempt 1\b.*connection reset.*0\.5 s/);
  });

  it('a timeout, then 200: retried after the timeout and a backoff', async () => {
    const { http, calls } = client(['hang', ok()], 300, 10);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(9_999);
    assert.equal(outcome.done, false);
    await clock.tickAsync(10_000);
    assert.equal(outcome.value?.status, 200);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 10_500],
    );
    assert.match(logs[0], /no complete answer in time/);
  });

  it('Retry-After beyond the budget left: throws at once, saying when LCS accepts requests again', async () => {
    const { http, calls } = client([status(429, { 'retry-after': '600' }), ok()], 300);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(0);
    const error = transportError(outcome);
    assert.equal(calls.length, 1);
    assert.deepEqual(logs, []);
    const until = new Date(START + 600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    assert.equal(until, '2026-01-15T03:10:00Z');
    assert.match(error.message, new RegExp(until));
    assert.match(error.message, /throttling/);
    assert.match(error.message, /HTTP 429/);
    assert.match(error.userMessage, /retryBudgetSeconds/);
    assert.match(error.userMessage, /above 600/);
  });

  it('Retry-After beyond what is left after earlier retries also stops at once', async () => {
    const { http, calls } = client([status(503), status(429, { 'retry-after': '10' }), ok()], 5, 100);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(500);
    // At 500 ms, 4.5 s are left; LCS asks for 10 s.
    const error = transportError(outcome);
    assert.equal(calls.length, 2);
    assert.equal(logs.length, 1);
    assert.match(error.message, new RegExp(new Date(START + 10_500).toISOString().replace(/\.\d+Z$/, 'Z')));
    assert.match(error.userMessage, /retryBudgetSeconds/);
  });

  it('Retry-After exactly equal to the budget left is honoured', async () => {
    const { http, calls } = client([status(429, { 'retry-after': '5' }), ok()], 5);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(5000);
    assert.equal(outcome.value?.status, 200);
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 5000],
    );
  });

  it('Retry-After: 0 (or a past date) still waits the backoff: no tight retry loop', async () => {
    const { http, calls } = client(
      [status(429, { 'retry-after': '0' }), status(503, { 'retry-after': new Date(START - 60_000).toUTCString() }), ok()],
      300,
      100,
      () => 0,
    );
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(499);
    assert.equal(calls.length, 1, 'the first retry waits half of the 1 s backoff (random 0)');
    await clock.tickAsync(1);
    assert.equal(calls.length, 2);
    await clock.tickAsync(999);
    assert.equal(calls.length, 2, 'the second retry waits half of the 2 s backoff');
    await clock.tickAsync(1);
    assert.equal(calls.length, 3);
    assert.equal(outcome.value?.status, 200);
    assert.equal(logs.length, 2);
  });

  it('budget 0: a 429 with Retry-After says when LCS accepts requests again', async () => {
    const { http, calls } = client([status(429, { 'retry-after': '600' }), ok()], 0);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(0);
    assert.ok(outcome.error instanceof TransportError, String(outcome.error));
    assert.match((outcome.error as TransportError).userMessage, /accept requests again at 2026-01-15T03:10:00Z/);
    assert.match((outcome.error as TransportError).userMessage, /retryBudgetSeconds/);
    assert.equal(calls.length, 1);
  });

  it('budget 0: a 503 is returned after exactly 1 attempt', async () => {
    const { http, calls } = client([status(503), ok()], 0);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(0);
    assert.ok(outcome.done);
    assert.equal(outcome.value?.status, 503);
    assert.equal(outcome.value?.attempts, 1);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].timeoutMs, 100_000);
    assert.deepEqual(logs, []);
  });

  it('budget 0: a network failure is thrown after exactly 1 attempt', async () => {
    const { http, calls } = client([fail('ECONNREFUSED'), ok()], 0);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(0);
    const error = transportError(outcome);
    assert.equal(calls.length, 1);
    assert.match(error.message, /Could not reach LCS at lcsapi\.lcs\.dynamics\.com: connection refused/);
    assert.doesNotMatch(error.message, /attempts/);
  });

  it('repeated 503s stop when the budget is spent and return the last answer', async () => {
    const { http, calls } = client([status(503)], 10, 5);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(60_000);
    assert.ok(outcome.done);
    assert.equal(outcome.value?.status, 503);
    // Waits 0.5, 1, 2, 4 s, then what is left (2.5 s) of the 10 s budget.
    assert.deepEqual(
      calls.map((c) => c.at),
      [0, 500, 1500, 3500, 7500, 10_000],
    );
    assert.equal(outcome.value?.attempts, 6);
    assert.equal(logs.length, 5);
    logs.forEach((line, i) => assert.match(line, new RegExp(`attempt ${i + 1}\\b`)));
  });

  it('repeated hangs end within budget + one timeout with a clear message', async () => {
    const { http, calls, budget } = client(['hang'], 10, 5);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(14_999);
    assert.ok(outcome.done, 'ended before budget + timeout');
    const elapsed = Date.now() - START;
    assert.ok(elapsed <= 15_000, `${elapsed}`);
    const error = transportError(outcome);
    assert.match(error.message, /Could not reach LCS at lcsapi\.lcs\.dynamics\.com after \d+ attempts: no complete answer within 5\.0 s/);
    assert.match(error.userMessage, /requestTimeoutSeconds/);
    for (const call of calls) {
      assert.ok(START + call.at + call.timeoutMs <= budget.hardDeadline);
    }
  });

  it('repeated slow failures: the total fake time stays within budget + timeout', async () => {
    for (const random of [() => 0, () => 0.5, () => 1]) {
      const { http, calls } = client([{ delayMs: 3_000, result: fail('ECONNRESET') }], 20, 8, random);
      const started = Date.now();
      const outcome = track(http.send(REQUEST));
      await clock.tickAsync(120_000);
      transportError(outcome);
      assert.ok(calls.length >= 3, `${calls.length} attempts`);
      const lastEnd = calls[calls.length - 1].at + 3_000 - (started - START);
      assert.ok(lastEnd <= 28_000, `${lastEnd}`);
    }
  });

  it('timeouts passed to the transport never exceed the hard deadline, across requests sharing the budget', async () => {
    // Budget 10 s, timeout 5 s: hard deadline at 15 s. The token request answers 503 slowly; the
    // list request then starts late and only gets what is left before the hard deadline.
    const { transport: slow503, calls: first } = scripted([{ delayMs: 4_000, result: status(503) }]);
    const { transport: hang, calls: second } = scripted(['hang']);
    const { transport: never, calls: third } = scripted([ok()]);
    const budget = new RetryBudget(10_000, 5_000);
    let current: Transport = slow503;
    const http = new HttpClient({ budget: () => budget, transport: (r, t) => current(r, t), log: (line) => logs.push(line), random: () => 0 });

    const a = track(http.send({ ...REQUEST, service: 'Microsoft Entra ID', url: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token' }));
    await clock.tickAsync(13_500);
    assert.equal(a.value?.status, 503);
    assert.deepEqual(
      first.map((c) => [c.at, c.timeoutMs]),
      [
        [0, 5000],
        [4500, 5000],
        [9500, 5000],
      ],
    );

    current = hang;
    const b = track(http.send(REQUEST));
    await clock.tickAsync(1_500);
    transportError(b);
    assert.deepEqual(
      second.map((c) => [c.at, c.timeoutMs]),
      [[13_500, 1_500]],
    );

    current = never;
    const c = track(http.send(REQUEST));
    await clock.tickAsync(0);
    const spent = transportError(c);
    assert.equal(third.length, 0, 'no attempt once the hard deadline has passed');
    assert.match(spent.message, /retry budget/);
    assert.match(spent.userMessage, /retryBudgetSeconds/);

    for (const call of [...first, ...second]) {
      assert.ok(START + call.at + call.timeoutMs <= budget.hardDeadline, JSON.stringify(call));
      assert.ok(call.timeoutMs > 0);
    }
    assert.ok(Date.now() <= budget.hardDeadline);
  });

  for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
    it(`a certificate failure (${code}) is not retried and names the CA fix`, async () => {
      const { http, calls } = client([fail(code), ok()]);
      const outcome = track(http.send(REQUEST));
      await clock.tickAsync(0);
      const error = transportError(outcome);
      assert.equal(calls.length, 1);
      assert.deepEqual(logs, []);
      assert.match(error.message, /TLS certificate of lcsapi\.lcs\.dynamics\.com/);
      assert.match(error.message, new RegExp(code));
      assert.match(error.userMessage, /\bCA\b/);
      assert.match(error.userMessage, /NODE_EXTRA_CA_CERTS/);
      assert.match(error.userMessage, /never switched off/);
    });
  }

  // A typo in a host name must not cost the whole budget (18 attempts over 5 minutes by default).
  for (const [code, reason] of [
    ['ECONNREFUSED', 'connection refused'],
    ['ENOTFOUND', 'host name not found \\(DNS\\)'],
  ]) {
    it(`${code} with the default budget: 3 attempts within a few seconds, advice about the URL, not the timeout`, async () => {
      const { http, calls } = client([fail(code)], 300, 100, () => 1);
      const outcome = track(
        http.send({
          ...REQUEST,
          endpointField: 'the Lifecycle Services API endpoint (apiurl)',
          endpointExample: 'e.g. https://lcsapi.eu.lcs.dynamics.com for Europe',
        }),
      );
      await clock.tickAsync(10_000);
      const error = transportError(outcome);
      assert.equal(calls.length, 3);
      // Backoff with random() = 1: 1 s, then 2 s.
      assert.deepEqual(
        calls.map((c) => c.at),
        [0, 1000, 3000],
      );
      assert.equal(logs.length, 2);
      assert.match(error.message, new RegExp(`Could not reach LCS at lcsapi\\.lcs\\.dynamics\\.com after 3 attempts: ${reason}\\.`));
      assert.match(
        error.userMessage,
        /Check the Lifecycle Services API endpoint \(apiurl\) in the service connection for typos \(e\.g\. https:\/\/lcsapi\.eu\.lcs\.dynamics\.com for Europe\)/,
      );
      assert.match(error.userMessage, /firewall or proxy/);
      assert.doesNotMatch(error.userMessage, /requestTimeoutSeconds|retryBudgetSeconds/);
    });
  }

  it('ECONNREFUSED, then 200: the short chance is a real one', async () => {
    const { http, calls } = client([fail('ECONNREFUSED'), ok()]);
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(2_000);
    assert.equal(outcome.value?.status, 200);
    assert.equal(calls.length, 2);
  });

  it('only the refused attempts count toward the short chance: resets in between do not', async () => {
    const { http, calls } = client(
      [fail('ECONNRESET'), fail('ECONNREFUSED'), fail('ECONNRESET'), fail('ECONNREFUSED'), fail('ECONNRESET'), fail('ECONNREFUSED')],
      300,
      100,
    );
    const outcome = track(http.send(REQUEST));
    await clock.tickAsync(120_000);
    transportError(outcome);
    assert.equal(calls.length, 6);
  });

  for (const code of ['EAI_AGAIN', 'ECONNRESET']) {
    it(`${code} stays retryable for the whole budget`, async () => {
      const { http, calls } = client([fail(code)], 60, 100, () => 0);
      const outcome = track(http.send(REQUEST));
      await clock.tickAsync(120_000);
      const error = transportError(outcome);
      assert.ok(calls.length > 3, `${calls.length} attempts`);
      assert.ok(calls[calls.length - 1].at >= 30_000, `last attempt at ${calls[calls.length - 1].at} ms`);
      assert.match(error.userMessage, /requestTimeoutSeconds/);
    });
  }

  // new Date(now + 1e16) is an Invalid Date: the message used to be "Invalid time value".
  for (const value of ['10000000000000', '9'.repeat(400), 'Fri, 31 Dec 9999 23:59:59 GMT']) {
    it(`Retry-After ${value.length > 20 ? `${value.slice(0, 12)}… (${value.length} characters)` : value}: beyond the budget, still says HTTP 429 throttling`, async () => {
      const { http, calls } = client([status(429, { 'retry-after': value }), ok()]);
      const outcome = track(http.send(REQUEST));
      await clock.tickAsync(0);
      const error = transportError(outcome);
      assert.equal(calls.length, 1);
      assert.match(
        error.message,
        /^LCS \(lcsapi\.lcs\.dynamics\.com\) is throttling requests \(HTTP 429\) and asks to wait more than a day \(Retry-After\); that is beyond what is left of the retry budget \(300 s\)\.$/,
      );
      assert.match(error.userMessage, /Run the pipeline again later/);
      assert.doesNotMatch(error.userMessage, /Invalid|NaN|Infinity|e\+/);
    });
  }

  it('a 503 with a Retry-After of 1e13 s says the service is unavailable, beyond the budget', async () => {
    const { http } = client([status(503, { 'retry-after': '10000000000000' })], 300);
    const outcome = track(http.send({ ...REQUEST, service: 'Microsoft Entra ID', url: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token' }));
    await clock.tickAsync(0);
    assert.match(
      transportError(outcome).message,
      /^Microsoft Entra ID \(login\.microsoftonline\.com\) is unavailable \(HTTP 503\) and asks to wait more than a day/,
    );
  });

  it('names the service and host in failures, and never the request headers', async () => {
    const { http } = client([fail('ENOTFOUND')], 0);
    const outcome = track(http.send({ ...REQUEST, service: 'Microsoft Entra ID', url: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token' }));
    await clock.tickAsync(0);
    const error = transportError(outcome);
    assert.match(error.message, /Microsoft Entra ID at login\.microsoftonline\.com/);
    assert.match(error.message, /DNS/);
    assert.doesNotMatch(error.userMessage, /secret-token/);
  });
});

describe('HttpClient: a request ended by its signal (a wait cancelled or past its deadline)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  const ended = new Error('the wait ended');

  it("aborted in the pause between attempts: no further attempt, the signal's reason at once", async () => {
    const { transport, calls } = scripted([status(503), ok()]);
    const http = new HttpClient({ budget: () => new RetryBudget(300_000, 100_000), transport, log: () => undefined, random: () => 1 });
    const controller = new AbortController();
    const outcome = track(http.send({ ...REQUEST, signal: controller.signal }));
    await clock.tickAsync(100);
    assert.equal(outcome.done, false, 'pausing before the second attempt');
    controller.abort(ended);
    await clock.tickAsync(0);
    assert.equal(outcome.done, true);
    assert.equal(outcome.error, ended);
    await clock.tickAsync(60_000);
    assert.equal(calls.length, 1);
  });

  it("aborted during an attempt: the transport sees the signal, and the failure is not described as the service's", async () => {
    let seen: AbortSignal | undefined;
    const transport: Transport = async (request) => {
      seen = request.signal;
      await new Promise((resolve) => request.signal?.addEventListener('abort', resolve));
      return { kind: 'failure', code: 'ERR_CANCELED', timedOut: false, message: 'canceled' };
    };
    const http = new HttpClient({ budget: () => new RetryBudget(300_000, 100_000), transport, log: () => undefined });
    const controller = new AbortController();
    const outcome = track(http.send({ ...REQUEST, signal: controller.signal }));
    await clock.tickAsync(0);
    assert.equal(seen, controller.signal);
    controller.abort(ended);
    await clock.tickAsync(0);
    assert.equal(outcome.error, ended);
  });

  it('already aborted: no attempt at all', async () => {
    const { transport, calls } = scripted([ok()]);
    const http = new HttpClient({ budget: () => new RetryBudget(300_000, 100_000), transport, log: () => undefined });
    const outcome = track(http.send({ ...REQUEST, signal: AbortSignal.abort(ended) }));
    await clock.tickAsync(0);
    assert.equal(outcome.error, ended);
    assert.equal(calls.length, 0);
  });
});

describe("axiosTransport: the caller's signal aborts the attempt in flight", () => {
  let server: Server;
  let url: string;
  before(async () => {
    // Never answers: only an abort (or the attempt's own timeout) ends a request.
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("ends at the abort, long before the attempt's timeout, and is no timeout", async () => {
    const transport = axiosTransport({ httpAgentFor: () => undefined });
    const controller = new AbortController();
    const started = Date.now();
    const result = transport({ method: 'GET', url, headers: {}, service: 'LCS', signal: controller.signal }, 20_000);
    setTimeout(() => controller.abort(), 100);
    const ended = await result;
    assert.equal(ended.kind, 'failure');
    assert.equal(ended.kind === 'failure' && ended.timedOut, false);
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  });
});

describe('http: the bound on an answer body', () => {
  describe('the transport', () => {
    let server: http.Server;
    let url: string;
    let served: Buffer;
    let headers: Record<string, string>;
    before(async () => {
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Length': String(served.length), ...headers });
        res.end(served);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/list`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const request = () => ({ method: 'GET' as const, url, headers: {}, service: 'LCS' });
    const transport = axiosTransport({ httpAgentFor: () => undefined, maxBodyBytes: 1024 * 1024 });

    it('a gzip bomb (60 KiB that unpack to 64 MiB) stops at the limit, counted after decompression', async () => {
      served = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
      headers = { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' };
      assert.ok(served.length < 1024 * 1024, `${served.length} bytes compressed`);
      const result = await transport(request(), 10_000);
      assert.equal(result.kind, 'failure');
      assert.equal(result.kind === 'failure' && result.code, BODY_TOO_LARGE);
    });

    it('an answer just under the limit is read', async () => {
      served = gzipSync(Buffer.alloc(1024 * 1024 - 10, 0x20));
      headers = { 'Content-Encoding': 'gzip' };
      const result = await transport(request(), 10_000);
      assert.equal(result.kind, 'response');
    });

    it('a plain answer over the limit stops at the limit', async () => {
      served = Buffer.alloc(2 * 1024 * 1024, 0x20);
      headers = {};
      const result = await transport(request(), 10_000);
      assert.equal(result.kind === 'failure' && result.code, BODY_TOO_LARGE);
    });
  });
});
