/**
 * The one HTTP layer of the tasks, used by the LCS client and (through MsalNetwork in auth.ts) by
 * MSAL: per-attempt timeouts and retries inside a budget are written once, here. The proxy
 * tunnel and certificates come from network.ts, as the http.Agent for each URL.
 */
import type { Agent as HttpAgent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { AxiosError } from 'axios';
import { TaskFailure, TransportError } from '../platform/errors';
import { FailureTarget, StatusFailure, describeHttpFailure, seconds } from './failures';
import { AttemptOutcome, BODY_TOO_LARGE, RetryBudget, Verdict, backoffMs, judge } from './retry';
import { hostOf } from './urlHost';

// The download names hosts without importing this JSON HTTP layer; callers here keep this name.
export { hostOf };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Who we are talking to, for messages: "Microsoft Entra ID", "LCS". */
  service: string;
  /** Where the service's outages are published, for the advice on a 5xx (failures.ts). */
  statusPage?: string;
  /**
   * False for a request that starts work: retried only when the server surely did not act on it
   * (429, or no connection was made), never after a 5xx or a lost answer. Default true.
   */
  idempotent?: boolean;
  /** The service connection's field that holds this URL, for advice: "the authentication endpoint (URL)". */
  endpointField?: string;
  /** What the field should hold, for advice: "e.g. https://lcsapi.eu.lcs.dynamics.com for Europe". */
  endpointExample?: string;
  /**
   * Ends the call early (a wait cancelled or past its deadline): the attempt in flight is
   * aborted, no other follows, and send() rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** How many attempts it took. */
  attempts: number;
}

export type TransportResult =
  { kind: 'response'; status: number; headers: Record<string, string>; body: string } | { kind: 'failure'; code: string; timedOut: boolean; message: string };

/** Sends one attempt, never throws; tests replace it. */
export type Transport = (request: HttpRequest, timeoutMs: number) => Promise<TransportResult>;

export interface HttpClientOptions {
  /** A fresh budget for one logical call: every send() without a budget of its own gets a new one. */
  budget: () => RetryBudget;
  transport: Transport;
  /** One line per retry, for the log. */
  log: (line: string) => void;
  /** Details for maintainers (system.debug). */
  debug?: (line: string) => void;
  random?: () => number;
}

// Failures that happen before a request reaches the server: repeating it cannot act twice.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** Whether repeating this attempt is safe: always for idempotent requests. */
function safeToRepeat(request: HttpRequest, outcome: AttemptOutcome): boolean {
  if (request.idempotent !== false) {
    return true;
  }
  return outcome.kind === 'response' ? outcome.status === 429 : !outcome.timedOut && NOT_SENT.has(outcome.code);
}
/** Less time than this before the hard deadline is no attempt worth making: a second, or half a short timeout. */
function sliverMs(budget: RetryBudget): number {
  return Math.min(1000, budget.timeoutMs / 2);
}

/** Sends requests with per-attempt timeouts and retries inside the run's budget. */
export class HttpClient {
  private readonly random: () => number;

  constructor(private readonly options: HttpClientOptions) {
    this.random = options.random ?? Math.random;
  }

  /**
   * Returns the first answer that is not worth retrying, or the last retryable one when the
   * budget is spent. Throws TransportError when no answer came at all, or when the server asks
   * for a wait longer than the budget has left.
   */
  async send(request: HttpRequest, budget: RetryBudget = this.options.budget()): Promise<HttpResponse> {
    const { transport, log } = this.options;
    const host = hostOf(request.url);
    // Attempts that ended in a failure with an attempt limit of its own (an unreachable host).
    let limited = 0;
    for (let attempt = 1; ; attempt++) {
      request.signal?.throwIfAborted();
      const timeoutMs = budget.attemptTimeout();
      // A sliver of time left before the hard deadline is no attempt worth making.
      if (timeoutMs < sliverMs(budget)) {
        throw describeHttpFailure({ kind: 'spent', budgetMs: budget.budgetMs, timeoutMs: budget.timeoutMs }, targetOf(request, host));
      }
      const result = await transport(request, timeoutMs);
      // An attempt cut short by the caller is no failure of the service's to describe.
      request.signal?.throwIfAborted();
      if (result.kind === 'failure') {
        this.options.debug?.(`${request.service} attempt ${attempt}: ${result.code || 'no code'} ${result.message}`);
      }
      const outcome: AttemptOutcome =
        result.kind === 'response'
          ? { kind: 'response', status: result.status, headers: result.headers }
          : { kind: 'failure', code: result.code, timedOut: result.timedOut };
      const now = Date.now();
      const verdict = safeToRepeat(request, outcome) ? judge(outcome, now) : { retryable: false, reason: '' };
      const left = budget.retryTimeLeft(now);
      if (verdict.retryable && verdict.retryAfterMs !== undefined && verdict.retryAfterMs > left) {
        throw beyondBudget(request, host, outcome, verdict, now, left);
      }
      limited += verdict.maxAttempts === undefined ? 0 : 1;
      const lastChance = verdict.maxAttempts !== undefined && limited >= verdict.maxAttempts;
      // Retry-After is a minimum; a zero or past value must not turn into a tight loop.
      const wait = Math.min(Math.max(verdict.retryAfterMs ?? 0, backoffMs(attempt, this.random)), left);
      // A retry that would only get a sliver of time is not made: this attempt's own answer or
      // failure is the more useful message than "the budget is spent".
      const noRoom = budget.attemptTimeout(now + wait) < sliverMs(budget);
      if (!verdict.retryable || left <= 0 || lastChance || noRoom) {
        if (result.kind === 'response') {
          return { status: result.status, headers: result.headers, body: result.body, attempts: attempt };
        }
        throw failure(request, host, result, attempt, timeoutMs);
      }
      log(
        `${request.service} attempt ${attempt} failed: ${verdict.reason}${verdict.retryAfterMs !== undefined ? ' (Retry-After)' : ''}. Retrying in ${seconds(wait)} (retry budget left: ${seconds(left)}).`,
      );
      // An abort in the pause ends the request with the signal's reason, as during an attempt
      // (timers/promises would reject with its own AbortError).
      await sleep(wait, undefined, { signal: request.signal }).catch((error: unknown) => {
        request.signal?.throwIfAborted();
        throw error;
      });
    }
  }
}

/** Who a request went to, for the messages of failures.ts. */
export function targetOf(request: HttpRequest, host = hostOf(request.url)): FailureTarget {
  const { service, endpointField, endpointExample, statusPage } = request;
  return { service, host, endpointField, endpointExample, statusPage };
}

/**
 * failures.ts' error for the status of an answer to `request` (the proxy's 407, throttling, an
 * outage), or undefined when the status is the service's own to word (or no failure).
 */
export function statusFailure(
  request: HttpRequest,
  response: Pick<HttpResponse, 'status' | 'attempts'>,
  said?: Pick<StatusFailure, 'code' | 'throttled' | 'detail'>,
): TaskFailure | undefined {
  return describeHttpFailure({ kind: 'status', status: response.status, attempts: response.attempts, ...said }, targetOf(request));
}

/** The server asks for a wait (Retry-After) longer than the retry budget has left. */
function beyondBudget(request: HttpRequest, host: string, outcome: AttemptOutcome, verdict: Verdict, now: number, left: number): TransportError {
  const status = outcome.kind === 'response' ? outcome.status : 0;
  const wait = { waitMs: verdict.retryAfterMs ?? 0, leftMs: left, now };
  return describeHttpFailure({ kind: 'status', status, attempts: 1, beyondBudget: wait }, targetOf(request, host));
}

/** The TransportError for an attempt that got no answer and is not retried any more. */
function failure(
  request: HttpRequest,
  host: string,
  result: Extract<TransportResult, { kind: 'failure' }>,
  attempts: number,
  timeoutMs: number,
): TransportError {
  const { code, timedOut } = result;
  return describeHttpFailure({ kind: 'transport', code, timedOut, attempts, timeoutMs, maxAnswerBytes: MAX_ANSWER_BYTES }, targetOf(request, host));
}

/**
 * The most one answer may hold, decompressed (axios counts maxContentLength after gunzip, so a
 * small gzip bomb stops here too). A list of 50,000 backups is about 33 MB, and the task's
 * peak memory is about six times the answer: 48 MiB keeps it near 350 MB whatever comes.
 */
export const MAX_ANSWER_BYTES = 48 * 1024 * 1024;

export interface AxiosTransportOptions {
  /** Node's http.Agent for a URL: a proxy tunnel or a direct one, with certificate checks on. */
  httpAgentFor: (url: string) => HttpAgent | undefined;
  /** Upper bound on a response body, decompressed; MAX_ANSWER_BYTES unless a test lowers it. */
  maxBodyBytes?: number;
}

function flattenHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const source = (headers && typeof (headers as { toJSON?: unknown }).toJSON === 'function' ? (headers as { toJSON: () => unknown }).toJSON() : headers) as
    Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value !== undefined && value !== null) {
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return out;
}

/** The real transport: axios over node:https, one attempt, the whole exchange under one timer. */
export function axiosTransport(options: AxiosTransportOptions): Transport {
  return async (request, timeoutMs) => {
    // Outside the try: a broken proxy setting is the user's to fix, not a network failure to retry.
    const httpAgent = options.httpAgentFor(request.url);
    const controller = new AbortController();
    // Set by the timer's callback: `as boolean` keeps the lint from reading it as always false.
    let timedOut = false as boolean;
    // axios' own `timeout` is an idle timer on the socket; a body that trickles would never
    // trip it. One timer over connect, headers and body bounds the attempt.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      // `unknown`: the data is text (responseType) unless an adapter surprises us.
      const response = await axios.request<unknown>({
        method: request.method,
        url: request.url,
        headers: request.headers,
        data: request.body,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        proxy: false,
        // Node's http(s) modules, never fetch: the bundle does not load axios' fetch adapter.
        adapter: 'http',
        httpAgent,
        httpsAgent: httpAgent,
        signal: request.signal ? AbortSignal.any([controller.signal, request.signal]) : controller.signal,
        maxContentLength: options.maxBodyBytes ?? MAX_ANSWER_BYTES,
        maxBodyLength: 1024 * 1024,
      });
      return {
        kind: 'response',
        status: response.status,
        headers: flattenHeaders(response.headers),
        body: typeof response.data === 'string' ? response.data : '',
      };
    } catch (error) {
      const e = error as AxiosError & { cause?: { code?: string } };
      const message = error instanceof Error ? error.message : String(error);
      // axios reports an oversized body like a broken one; it is not worth retrying.
      const code = /maxContentLength/.test(message) ? BODY_TOO_LARGE : (e.cause?.code ?? e.code ?? '');
      return { kind: 'failure', code: timedOut ? 'ETIMEDOUT' : code, timedOut, message };
    } finally {
      clearTimeout(timer);
    }
  };
}
