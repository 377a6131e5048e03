/**
 * The one wording of an HTTP failure that is no service's own: the agent's proxy asking for
 * credentials (407), throttling (429, or a service's own "busy" code), an outage (5xx), a wait
 * the server asks for beyond the retry budget, and every way of getting no answer at all (DNS,
 * connection, TLS certificate, timeout, an answer too large). http.ts uses it for what it
 * throws; each service (LCS, Entra ID, Azure Storage) words only its own statuses (401, 403,
 * 404, its error codes) and hands every other failure to describeHttpFailure. Pure.
 */
import { ProxyAuthError, TaskFailure, ThrottledError, TransportError } from '../platform/errors';
import { isoSeconds } from '../text/time';
import { neutralize } from '../text/sanitize';
import { BODY_TOO_LARGE, describeFailureCode, isCertificateError, isUnreachable } from './retry';

/** Azure's status page: Microsoft Entra ID and Azure Storage report outages there. */
export const AZURE_STATUS_PAGE = 'https://azure.status.microsoft';

/** Who a failed request went to, as messages name it. Never a URL: it may carry a SAS. */
export interface FailureTarget {
  /** "LCS", "Microsoft Entra ID", "Azure Storage". */
  service: string;
  /** Host (and port) of the request. */
  host: string;
  /** The service connection's field that holds the URL: "the authentication endpoint (URL)". */
  endpointField?: string;
  /** What the field should hold: "e.g. https://lcsapi.eu.lcs.dynamics.com for Europe". */
  endpointExample?: string;
  /** Where the service's outages are published, for the advice on a 5xx. */
  statusPage?: string;
  /** What the request was for, put before the message: "Could not start the copy into …". */
  context?: string;
}

/** An answer with a status that ends the request. */
export interface StatusFailure {
  kind: 'status';
  status: number;
  /** Attempts made, for "after N attempts". */
  attempts: number;
  /** The service's own error code for the answer (Azure Storage's x-ms-error-code). Untrusted. */
  code?: string;
  /** The service's own code says it is throttling (Azure Storage's 503 ServerBusy). */
  throttled?: boolean;
  /** The service's own words about it (Entra's error description), for throttling and outages. Untrusted. */
  detail?: string;
  /** The server asked (Retry-After) for a wait longer than the retry budget has left. */
  beyondBudget?: { waitMs: number; leftMs: number; now: number };
}

/** No (complete) answer: DNS, connection, TLS, timeout, or an answer larger than the task reads. */
export interface NoAnswer {
  kind: 'transport';
  /** Node's error code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) or retry.ts' BODY_TOO_LARGE. */
  code: string;
  timedOut: boolean;
  attempts: number;
  /** The timeout of the last attempt. */
  timeoutMs: number;
  /** The most one answer may hold, for BODY_TOO_LARGE. */
  maxAnswerBytes?: number;
}

/** The retry budget and the request timeout ran out before an attempt worth making. */
export interface BudgetSpent {
  kind: 'spent';
  budgetMs: number;
  timeoutMs: number;
}

export type HttpFailure = StatusFailure | NoAnswer | BudgetSpent;

/** A status whose Retry-After is beyond the budget: always a TransportError (or ThrottledError). */
export type WaitTooLong = StatusFailure & Required<Pick<StatusFailure, 'beyondBudget'>>;

/** A duration for messages: "5.0 s", "300 s". */
export function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Waits longer than this are beyond any retry budget (retryBudgetSeconds is at most a day). */
const LONGEST_BUDGET_MS = 86_400_000;

const REPORT = 'report it with the log of a run with system.debug set to true';

function tries(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : '';
}

/** The message, after the context if any; a sentence starts with a capital ("the agent's …"). */
function said(target: FailureTarget, message: string): string {
  return target.context ? `${target.context}: ${message}` : `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
}

function statusLabel(failure: StatusFailure): string {
  return `HTTP ${failure.status}${failure.code ? ` ${neutralize(failure.code, 80)}` : ''}`;
}

/** `: what the service said`, without its closing full stop, or ''. */
function detailOf(failure: StatusFailure): string {
  const text = neutralize(failure.detail, 400).trim().replace(/\.+$/, '');
  return text ? `: ${text}` : '';
}

/**
 * The failure in words, with advice. For a status, undefined when the status is the service's
 * to word (401, 403, 404 and any other 4xx but 407 and 429): it knows what they mean.
 */
export function describeHttpFailure(failure: NoAnswer | BudgetSpent | WaitTooLong, target: FailureTarget): TransportError;
export function describeHttpFailure(failure: StatusFailure, target: FailureTarget): TaskFailure | undefined;
export function describeHttpFailure(failure: HttpFailure, target: FailureTarget): TaskFailure | undefined;
export function describeHttpFailure(failure: HttpFailure, target: FailureTarget): TaskFailure | undefined {
  switch (failure.kind) {
    case 'spent':
      return new TransportError(
        said(
          target,
          `Gave up on ${target.service} (${target.host}): the retry budget (${seconds(failure.budgetMs)}) and the request timeout (${seconds(failure.timeoutMs)}) are spent.`,
        ),
        'Try again later, or raise retryBudgetSeconds / requestTimeoutSeconds.',
      );
    case 'transport':
      return noAnswer(failure, target);
    default:
      return failure.beyondBudget ? waitBeyondBudget(failure, failure.beyondBudget, target) : statusFailure(failure, target);
  }
}

function statusFailure(failure: StatusFailure, target: FailureTarget): TaskFailure | undefined {
  const { service, host } = target;
  if (failure.status === 407) {
    return new ProxyAuthError(
      said(target, `The agent's proxy refused to connect to ${service} (${host}): ${statusLabel(failure)} Proxy Authentication Required.`),
      `The proxy wants credentials it did not get or did not accept: check the proxy user name and password the agent was configured with (config.cmd or config.sh --proxyusername and --proxypassword), and that the proxy lets that account reach ${host}.`,
    );
  }
  if (failure.status === 429 || failure.throttled) {
    return new ThrottledError(
      said(target, `${service} (${host}) is throttling requests (${statusLabel(failure)})${tries(failure.attempts)}${detailOf(failure)}.`),
      `Wait a few minutes and run again, or raise retryBudgetSeconds so the task waits longer for ${service}.`,
    );
  }
  if (failure.status >= 500) {
    const message = `${service} (${host}) is unavailable (${statusLabel(failure)})${tries(failure.attempts)}${detailOf(failure)}.`;
    return new TransportError(said(target, message), outageAdvice(failure.status, target));
  }
  return undefined;
}

function outageAdvice(status: number, target: FailureTarget): string {
  const gateway =
    status === 502 || status === 504
      ? ` A ${status} can also come from a proxy or gateway between the agent and ${target.host}: if other hosts fail the same way, check the proxy.`
      : '';
  const page = target.statusPage ? `; if it lasts, check ${target.statusPage}` : '';
  return `This is usually a passing outage of ${target.service}: run the pipeline again later, or raise retryBudgetSeconds so the task waits it out${page}.${gateway}`;
}

/** The server asks for a wait (Retry-After) longer than the retry budget has left. */
function waitBeyondBudget(failure: StatusFailure, wait: NonNullable<StatusFailure['beyondBudget']>, target: FailureTarget): TransportError {
  const throttled = failure.status === 429 || failure.throttled === true;
  const asks = `${target.service} (${target.host}) ${throttled ? 'is throttling requests' : 'is unavailable'} (${statusLabel(failure)})`;
  const Failure = throttled ? ThrottledError : TransportError;
  const beyond = `that is beyond what is left of the retry budget (${seconds(wait.leftMs)})`;
  if (wait.waitMs > LONGEST_BUDGET_MS) {
    return new Failure(
      said(target, `${asks} and asks to wait more than a day (Retry-After); ${beyond}.`),
      `Run the pipeline again later; if the service keeps asking for waits this long, ${REPORT}.`,
    );
  }
  const until = isoSeconds(new Date(wait.now + wait.waitMs));
  return new Failure(
    said(target, `${asks} and will accept requests again at ${until}, in ${seconds(wait.waitMs)}; ${beyond}.`),
    `Run the pipeline again after ${until}, or raise retryBudgetSeconds above ${Math.ceil(wait.waitMs / 1000)}.`,
  );
}

/** An attempt that got no answer and is not retried any more. */
function noAnswer(failure: NoAnswer, target: FailureTarget): TransportError {
  const { service, host } = target;
  const field = target.endpointField ?? 'the URL';
  if (isCertificateError(failure.code)) {
    return new TransportError(
      said(target, `Could not verify the TLS certificate of ${host} (${failure.code}).`),
      'If your network inspects TLS or uses a private certificate authority, give the agent that CA (agent setting --sslcacert, or NODE_EXTRA_CA_CERTS). Certificate checks are never switched off.',
    );
  }
  if (failure.code === BODY_TOO_LARGE) {
    const limit = failure.maxAnswerBytes === undefined ? 'more' : `more than ${failure.maxAnswerBytes / 1024 / 1024} MiB`;
    return new TransportError(
      said(target, `${service} (${host}) answered with ${limit} (after decompression), more than the task reads from one answer.`),
      `No answer of ${service} is that large: check ${field} in the service connection and that no proxy answers instead; if it persists, ${REPORT}.`,
    );
  }
  const reason = failure.timedOut ? `no complete answer within ${seconds(failure.timeoutMs)}` : describeFailureCode(failure.code, false);
  const message = said(target, `Could not reach ${service} at ${host}${tries(failure.attempts)}: ${reason}.`);
  if (!failure.timedOut && isUnreachable(failure.code)) {
    // A typo, the wrong geography or a firewall: waiting longer would not help.
    const example = target.endpointExample ? ` (${target.endpointExample})` : '';
    return new TransportError(
      message,
      `Check ${field} in the service connection for typos${example}, and that the agent's firewall or proxy settings let it reach ${host}.`,
    );
  }
  return new TransportError(
    message,
    'Check that the agent can reach this host (firewall, proxy settings of the agent), then run again; raise requestTimeoutSeconds if answers are slow.',
  );
}
