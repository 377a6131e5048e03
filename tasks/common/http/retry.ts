/**
 * When to try a request again and how long to wait. Pure apart from the clock it is given;
 * the loop that applies it lives in http.ts.
 */

/** What one attempt produced: an HTTP answer, or no answer at all. */
export type AttemptOutcome = { kind: 'response'; status: number; headers: Record<string, string> } | { kind: 'failure'; code: string; timedOut: boolean };

export interface Verdict {
  retryable: boolean;
  /** A few words for the log: "HTTP 503", "connection reset", ... */
  reason: string;
  /** How long the server asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** At most this many attempts in all end like this one, whatever the budget says. */
  maxAttempts?: number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

// Failures that will not go away by trying again: the certificate chain is the agent's setup.
const CERTIFICATE_CODES = new Set([
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
]);

export function isCertificateError(code: string): boolean {
  return CERTIFICATE_CODES.has(code);
}

/**
 * A host name that does not resolve (a DNS server that did not answer is EAI_AGAIN) or a port
 * where nothing listens is almost always a typo, the wrong geography or a firewall, not a
 * passing fault: a short chance (a DNS change or a restart under way), not the whole budget.
 */
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'ECONNREFUSED']);
export const UNREACHABLE_ATTEMPTS = 3;

export function isUnreachable(code: string): boolean {
  return UNREACHABLE_CODES.has(code);
}

/** Our code for an answer larger than the transport accepts. */
export const BODY_TOO_LARGE = 'EBODYTOOLARGE';

const FAILURE_REASONS: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ERR_BAD_RESPONSE: 'answer cut short',
  [BODY_TOO_LARGE]: 'answer too large',
};

/** A few words for a failure code. */
export function describeFailureCode(code: string, timedOut: boolean): string {
  if (timedOut) {
    return 'no complete answer in time';
  }
  if (isCertificateError(code)) {
    return `TLS certificate not trusted (${code})`;
  }
  return FAILURE_REASONS[code] ?? `network error (${code || 'unknown'})`;
}

/**
 * The longest Retry-After taken at its word. A longer one is beyond any retry budget all the
 * same (retryBudgetSeconds is at most a day); the cap keeps every wait a real point in time
 * (1e13 seconds is not: new Date() of it is an Invalid Date).
 */
export const MAX_RETRY_AFTER_MS = 7 * 86_400_000;

/**
 * Parses Retry-After: delta-seconds or an HTTP date. Returns ms to wait (0 for a date in the
 * past, at most MAX_RETRY_AFTER_MS), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = (value ?? '').trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    // Number() of a long digit string is 1e300 or Infinity: Math.min keeps it a real wait.
    return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  }
  // Only the HTTP-date form (IMF-fixdate, e.g. "Sun, 29 Nov 2026 06:00:00 GMT"): Date.parse
  // alone would read almost any text as some date.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) {
    return undefined;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    return undefined;
  }
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

/** Whether an attempt is worth repeating. 4xx answers and logical failures never are. */
export function judge(outcome: AttemptOutcome, nowMs: number): Verdict {
  if (outcome.kind === 'response') {
    const reason = `HTTP ${outcome.status}`;
    if (!RETRYABLE_STATUS.has(outcome.status)) {
      return { retryable: false, reason };
    }
    return { retryable: true, reason, retryAfterMs: parseRetryAfter(outcome.headers['retry-after'], nowMs) };
  }
  return {
    retryable: outcome.timedOut || !(isCertificateError(outcome.code) || outcome.code === BODY_TOO_LARGE),
    reason: describeFailureCode(outcome.code, outcome.timedOut),
    ...(!outcome.timedOut && isUnreachable(outcome.code) ? { maxAttempts: UNREACHABLE_ATTEMPTS } : {}),
  };
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 30_000;

/**
 * Exponential backoff with "equal jitter": half of 1 s, 2 s, 4 s ... (capped at 30 s) is fixed,
 * the other half random, so agents that failed together do not retry together.
 */
export function backoffMs(retryNumber: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retryNumber - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * One time budget for the whole run, shared by every request. Retries may start until the
 * budget is spent; no request runs past budget + one request timeout, so the task always ends.
 */
export class RetryBudget {
  readonly startedAt: number;
  readonly retryDeadline: number;
  readonly hardDeadline: number;

  constructor(
    readonly budgetMs: number,
    readonly timeoutMs: number,
    now: number = Date.now(),
  ) {
    this.startedAt = now;
    this.retryDeadline = now + budgetMs;
    this.hardDeadline = now + budgetMs + timeoutMs;
  }

  /** Time retries may still use, in ms (never negative). */
  retryTimeLeft(now: number = Date.now()): number {
    return Math.max(0, this.retryDeadline - now);
  }

  /** The timeout for an attempt starting now: the request timeout, cut at the hard deadline. */
  attemptTimeout(now: number = Date.now()): number {
    return Math.min(this.timeoutMs, this.hardDeadline - now);
  }
}

/**
 * A budget for one request that must end within `capMs` from now (a poll near a wait's deadline):
 * the request timeout and the retry budget are cut so that budget + timeout <= cap, with at
 * least one second for a single attempt.
 */
export function budgetWithin(retryBudgetMs: number, requestTimeoutMs: number, capMs: number, now: number = Date.now()): RetryBudget {
  const timeoutMs = Math.min(requestTimeoutMs, Math.max(1000, capMs));
  return new RetryBudget(Math.min(retryBudgetMs, Math.max(0, capMs - timeoutMs)), timeoutMs, now);
}
