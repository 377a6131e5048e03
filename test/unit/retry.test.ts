import { strict as assert } from 'node:assert';
import {
  AttemptOutcome,
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  RetryBudget,
  backoffMs,
  describeFailureCode,
  isCertificateError,
  judge,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from '../../tasks/common/http/retry';

const NOW = Date.UTC(2026, 0, 15, 3, 0, 0);

function response(status: number, headers: Record<string, string> = {}): AttemptOutcome {
  return { kind: 'response', status, headers };
}

function failure(code: string, timedOut = false): AttemptOutcome {
  return { kind: 'failure', code, timedOut };
}

describe('retry', () => {
  describe('parseRetryAfter', () => {
    it('reads delta-seconds', () => {
      assert.equal(parseRetryAfter('3', NOW), 3000);
      assert.equal(parseRetryAfter(' 120 ', NOW), 120_000);
      assert.equal(parseRetryAfter('0', NOW), 0);
    });

    it('reads an HTTP date in the future', () => {
      const at = new Date(NOW + 90_000).toUTCString();
      assert.equal(parseRetryAfter(at, NOW), 90_000);
    });

    it('reads an HTTP date in the past as 0', () => {
      assert.equal(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW), 0);
      assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW), 0);
    });

    it('caps a wait beyond any budget at a week, so it stays a real point in time', () => {
      for (const value of ['604801', '10000000000000', '9'.repeat(400), 'Fri, 31 Dec 9999 23:59:59 GMT']) {
        const ms = parseRetryAfter(value, NOW);
        assert.equal(ms, MAX_RETRY_AFTER_MS, value.slice(0, 30));
        assert.ok(Number.isFinite(new Date(NOW + ms!).getTime()));
      }
      assert.equal(parseRetryAfter('604800', NOW), 604_800_000);
    });

    for (const value of [undefined, '', '   ', 'soon', '-1', '1.5', '3s', '2026-01-15', 'NaN']) {
      it(`returns undefined for ${JSON.stringify(value) ?? 'undefined'}`, () => {
        assert.equal(parseRetryAfter(value, NOW), undefined);
      });
    }
  });

  describe('judge', () => {
    for (const status of [429, 500, 502, 503, 504]) {
      it(`retries HTTP ${status}`, () => {
        const v = judge(response(status), NOW);
        assert.equal(v.retryable, true);
        assert.equal(v.reason, `HTTP ${status}`);
        assert.equal(v.retryAfterMs, undefined);
      });

      it(`passes on Retry-After for HTTP ${status}`, () => {
        assert.equal(judge(response(status, { 'retry-after': '7' }), NOW).retryAfterMs, 7000);
      });
    }

    for (const status of [200, 201, 301, 400, 401, 403, 404, 407, 409, 501, 505]) {
      it(`does not retry HTTP ${status}`, () => {
        const v = judge(response(status, { 'retry-after': '5' }), NOW);
        assert.equal(v.retryable, false);
        assert.equal(v.reason, `HTTP ${status}`);
        assert.equal(v.retryAfterMs, undefined);
      });
    }

    it('reads an HTTP-date Retry-After', () => {
      assert.equal(judge(response(429, { 'retry-after': new Date(NOW + 120_000).toUTCString() }), NOW).retryAfterMs, 120_000);
    });

    for (const code of [
      'ECONNRESET',
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'EPIPE',
      'ECONNABORTED',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'ERR_BAD_RESPONSE',
      'ESOMETHINGNEW',
      '',
    ]) {
      it(`retries the network failure ${code || '(no code)'}`, () => {
        const v = judge(failure(code), NOW);
        assert.equal(v.retryable, true);
        assert.ok(v.reason.length > 0);
        assert.equal(v.retryAfterMs, undefined);
        // A name that does not resolve or a port that refuses gets a short chance only.
        assert.equal(v.maxAttempts, ['ECONNREFUSED', 'ENOTFOUND'].includes(code) ? 3 : undefined);
      });
    }

    it('describes network failures in a few words', () => {
      assert.equal(judge(failure('ECONNRESET'), NOW).reason, 'connection reset');
      assert.equal(judge(failure('ENOTFOUND'), NOW).reason, 'host name not found (DNS)');
      assert.equal(judge(failure('ERR_BAD_RESPONSE'), NOW).reason, 'answer cut short');
      assert.equal(judge(failure('EWHATEVER'), NOW).reason, 'network error (EWHATEVER)');
      assert.equal(judge(failure(''), NOW).reason, 'network error (unknown)');
    });

    it('retries timeouts', () => {
      const v = judge(failure('ETIMEDOUT', true), NOW);
      assert.equal(v.retryable, true);
      assert.equal(v.reason, 'no complete answer in time');
      assert.equal(judge(failure('ECONNABORTED', true), NOW).retryable, true);
    });

    const certificateCodes = [
      'CERT_HAS_EXPIRED',
      'CERT_NOT_YET_VALID',
      'CERT_UNTRUSTED',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'CERT_SIGNATURE_FAILURE',
      'CERT_REVOKED',
    ];
    for (const code of certificateCodes) {
      it(`does not retry the certificate failure ${code}`, () => {
        assert.equal(isCertificateError(code), true);
        const v = judge(failure(code), NOW);
        assert.equal(v.retryable, false);
        assert.match(v.reason, /certificate/);
        assert.match(v.reason, new RegExp(code));
      });
    }

    it('does not treat network codes as certificate failures', () => {
      assert.equal(isCertificateError('ECONNRESET'), false);
      assert.equal(isCertificateError(''), false);
    });

    it('describeFailureCode puts the timeout first', () => {
      assert.equal(describeFailureCode('CERT_HAS_EXPIRED', true), 'no complete answer in time');
      assert.equal(describeFailureCode('CERT_HAS_EXPIRED', false), 'TLS certificate not trusted (CERT_HAS_EXPIRED)');
    });
  });

  describe('backoffMs', () => {
    it('uses the documented base and cap', () => {
      assert.equal(BACKOFF_BASE_MS, 1000);
      assert.equal(BACKOFF_CAP_MS, 30_000);
    });

    const ceilings = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000];
    ceilings.forEach((ceiling, index) => {
      const retry = index + 1;
      it(`retry ${retry}: between ${ceiling / 2} and ${ceiling} ms`, () => {
        assert.equal(
          backoffMs(retry, () => 0),
          ceiling / 2,
        );
        assert.equal(
          backoffMs(retry, () => 1),
          ceiling,
        );
        const middle = backoffMs(retry, () => 0.5);
        assert.equal(middle, Math.round(ceiling * 0.75));
        for (let i = 0; i < 20; i++) {
          const value = backoffMs(retry);
          assert.ok(value >= ceiling / 2 && value <= ceiling, `${value}`);
        }
      });
    });

    it('never exceeds the cap, even for very large retry numbers', () => {
      assert.equal(
        backoffMs(100, () => 1),
        BACKOFF_CAP_MS,
      );
      assert.equal(
        backoffMs(5000, () => 1),
        BACKOFF_CAP_MS,
      );
    });

    it('treats retry 0 or less like the first retry', () => {
      assert.equal(
        backoffMs(0, () => 1),
        1000,
      );
      assert.equal(
        backoffMs(-3, () => 0),
        500,
      );
    });

    it('grows monotonically with the retry number (same random)', () => {
      for (let retry = 1; retry < 12; retry++) {
        assert.ok(backoffMs(retry + 1, () => 0.3) >= backoffMs(retry, () => 0.3));
      }
    });
  });

  describe('RetryBudget', () => {
    it('computes the deadlines from the start', () => {
      const b = new RetryBudget(300_000, 100_000, 1_000);
      assert.equal(b.startedAt, 1_000);
      assert.equal(b.retryDeadline, 301_000);
      assert.equal(b.hardDeadline, 401_000);
      assert.equal(b.budgetMs, 300_000);
      assert.equal(b.timeoutMs, 100_000);
    });

    it('counts down the retry time and never goes negative', () => {
      const b = new RetryBudget(10_000, 5_000, 0);
      assert.equal(b.retryTimeLeft(0), 10_000);
      assert.equal(b.retryTimeLeft(4_000), 6_000);
      assert.equal(b.retryTimeLeft(10_000), 0);
      assert.equal(b.retryTimeLeft(99_000), 0);
    });

    it('gives each attempt the request timeout, cut at the hard deadline', () => {
      const b = new RetryBudget(10_000, 5_000, 0);
      assert.equal(b.attemptTimeout(0), 5_000);
      assert.equal(b.attemptTimeout(10_000), 5_000);
      assert.equal(b.attemptTimeout(12_000), 3_000);
      assert.equal(b.attemptTimeout(15_000), 0);
      assert.ok(b.attemptTimeout(16_000) <= 0);
    });

    it('with a budget of 0 allows exactly one timeout', () => {
      const b = new RetryBudget(0, 100_000, 50);
      assert.equal(b.retryTimeLeft(50), 0);
      assert.equal(b.attemptTimeout(50), 100_000);
      assert.equal(b.hardDeadline, 100_050);
    });

    it('defaults to the current time', () => {
      const before = Date.now();
      const b = new RetryBudget(1000, 1000);
      const after = Date.now();
      assert.ok(b.startedAt >= before && b.startedAt <= after);
      assert.ok(b.retryTimeLeft() <= 1000);
    });
  });
});
