/**
 * What one download run shares from its first request to its end, all set when it starts: the
 * options, the request context, the stop signal, the current SAS, the retry budget and the
 * counters; and the loop that tries a storage request again (withRetries), deciding by the
 * failure's type and the retry policy's typed cause, never by the words of a reason.
 */
import type { Agent } from 'node:http';
import { TaskFailure, TransportError } from '../platform/errors';
import { AZURE_STATUS_PAGE, describeHttpFailure } from '../http/failures';
import { hostOf } from '../http/urlHost';
import { SocketPool } from '../http/socketPool';
import type { Connector } from '../http/tunnel';
import { AttemptFailure, EtagChanged, OverlongAnswer, RequestContext, Stopped, UnexpectedAnswer, WriteFailure } from './blobHttp';
import { DownloadError, fileSystemError, storageRefused } from './errors';
import { TargetFiles } from './partialFile';
import { StallBudget, pause } from './retryPolicy';
import { SasSource } from './sasSource';

export interface DownloadOptions {
  /** The SAS URL to start with (a secret). */
  url: string;
  /** The same backup's current URL from LCS, for when storage refuses the old one. */
  freshUrl: () => Promise<string>;
  files: TargetFiles;
  connections: number;
  overwrite: boolean;
  /** The HEAD's connections (node:https). */
  agentFor: (url: string) => Agent | undefined;
  /** The range GETs' TLS connections (http/tunnel.ts), kept alive in a pool of `connections` for the run. */
  connector: Connector;
  /** One request's limit, connect to last byte (a range that trickles is cut and retried). */
  requestTimeoutMs: number;
  /** How long retries may go on without a byte arriving (and how long to wait for another run's lock). */
  retryBudgetMs: number;
  info: (line: string) => void;
  debug: (line: string) => void;
  setProgress: (percent: number, text: string) => void;
  onCancel: (handler: () => void) => () => void;
  /** How often a run waiting for another run's lock looks again (ms; default 1 s). */
  lockPollMs?: number;
}

/** Everything one download run shares between its connections; every field is set from the start. */
export interface Run {
  readonly options: DownloadOptions;
  readonly ctx: RequestContext;
  readonly stop: AbortController;
  readonly sas: SasSource;
  readonly retry: StallBudget;
  /** Storage's host, for messages (never the path or the SAS). */
  readonly host: string;
  cancelled: boolean;
  /** Bytes received in this run. */
  received: number;
  /** Answers that did not fit the range asked for (over-long): they point at storage or a proxy. */
  badAnswers: number;
  /** Bytes in complete ranges on disk (kept for the next run after a failure). */
  keptBytes: number;
}

export function newRun(options: DownloadOptions): Run {
  const stop = new AbortController();
  const counters = { cancelled: false, received: 0, badAnswers: 0, keptBytes: 0 };
  const sas = new SasSource(options.url, options.freshUrl, () => counters.received, options.info);
  const sockets = new SocketPool(options.connector, Math.max(1, options.connections));
  const ctx = { agentFor: options.agentFor, sockets, stop: stop.signal, timeoutMs: options.requestTimeoutMs };
  return Object.assign(counters, { options, stop, sas, ctx, retry: new StallBudget(options.retryBudgetMs), host: hostOf(options.url, 'storage') });
}

/** Which request an attempt is: the HEAD or a range (a 403 without a code counts as a refused SAS only on the HEAD). */
export type RequestKind = 'properties' | 'range';

/**
 * 403 codes that mean "this SAS is not accepted (any more)": Azure says AuthenticationFailed for
 * an expired SAS; AuthorizationFailure usually means a network rule or firewall, sometimes an
 * expired SAS (Azurite's word for it). Either way a fresh URL from LCS is worth one try
 * (SasSource stops, saying which, when the fresh one is refused too). An answer at an old
 * storage version carries no code on a HEAD: a 403 without one there is treated the same.
 */
const SAS_REFUSED = new Set(['AuthenticationFailed', 'AuthorizationFailure']);

function sasRefused(error: AttemptFailure, kind: RequestKind): boolean {
  return error.status === 403 && (SAS_REFUSED.has(error.storageCode ?? '') || (error.storageCode === undefined && kind === 'properties'));
}

function blobChanged(host: string): DownloadError {
  return new DownloadError(
    `The backup file changed in storage while it was being downloaded (${host} answered a range with another ETag than at the start: storage or a proxy did not honour If-Match); the bytes of the old version were discarded.`,
    'Run the task again: it downloads the new version from the start. If this repeats, check that no proxy between the agent and Azure Storage caches or rewrites answers.',
    true,
  );
}

/** The error that ends the download at once, whatever the retry budget says; undefined for an attempt to judge. */
function finalError(run: Run, error: unknown): unknown {
  if (error instanceof Stopped || run.stop.signal.aborted) return new Stopped();
  if (error instanceof WriteFailure) return fileSystemError('write', run.options.files.partialPath, error.cause);
  if (error instanceof EtagChanged) return blobChanged(run.host);
  if (error instanceof UnexpectedAnswer) return new DownloadError(error.message, 'Check that no proxy rewrites requests to Azure Storage, then run again.');
  return error instanceof AttemptFailure ? undefined : error;
}

/**
 * A proxy's 407, throttling (429, 503 ServerBusy), an outage (5xx) or no answer, worded as for
 * every service (http/failures.ts); undefined for a status that is storage's own to word.
 */
function sharedWording(run: Run, error: AttemptFailure, tries: number, what: string): TaskFailure | undefined {
  const target = { service: 'Azure Storage', host: run.host, statusPage: AZURE_STATUS_PAGE, context: `Could not download ${what}` };
  const outcome = error.outcome;
  if (outcome.kind === 'response') {
    const code = error.storageCode;
    return describeHttpFailure({ kind: 'status', status: outcome.status, attempts: tries, code, throttled: code === 'ServerBusy' }, target);
  }
  return describeHttpFailure(
    { kind: 'transport', code: outcome.code, timedOut: outcome.timedOut, attempts: tries, timeoutMs: run.options.requestTimeoutMs },
    target,
  );
}

function gaveUp(run: Run, error: AttemptFailure, reason: string, what: string): Error {
  const overlong = error instanceof OverlongAnswer;
  return new TransportError(
    `Could not download ${what} from ${run.host}: ${reason}.`,
    overlong
      ? 'Check that no proxy or security appliance between the agent and Azure Storage rewrites answers, then run again.'
      : 'Check that the agent can reach Azure Storage (firewall, proxy), or raise retryBudgetSeconds / requestTimeoutSeconds.',
  );
}

/** Turns a failed attempt into a wait before the next try, or into the error that ends the download. */
async function afterFailure(run: Run, error: unknown, tries: number, generation: number, what: string, kind: RequestKind): Promise<number> {
  const final = finalError(run, error);
  if (final !== undefined || !(error instanceof AttemptFailure)) throw final;
  if (sasRefused(error, kind)) {
    await run.sas.refresh(generation, error.storageCode ?? '');
    return tries - 1;
  }
  const decision = run.retry.decide(error.outcome, tries);
  const overlong = error instanceof OverlongAnswer;
  if (overlong) run.badAnswers++;
  const reason = overlong ? `the answer was longer than the ${error.asked} bytes asked for (a bad storage or proxy answer)` : decision.reason;
  if (!decision.retry) {
    const shared = overlong ? undefined : sharedWording(run, error, tries, what);
    if (shared) throw shared;
    if (decision.cause === 'refused' && error.status !== undefined) throw storageRefused(error.status, error.storageCode, run.host);
    throw gaveUp(run, error, overlong ? `${reason}, ${tries} tries in a row` : reason, what);
  }
  run.options.info(`${what}: ${reason}; trying again in ${(decision.waitMs / 1000).toFixed(1)} s (try ${tries + 1}).`);
  await pause(decision.waitMs, run.stop.signal);
  return tries;
}

/** Runs `attempt` until it succeeds; a try that brought bytes resets the count. */
export async function withRetries<T>(run: Run, what: string, kind: RequestKind, attempt: () => Promise<T>): Promise<T> {
  let tries = 0;
  for (;;) {
    const generation = run.sas.generation;
    const before = run.received;
    const mark = run.retry.progressMark;
    try {
      return await attempt();
    } catch (error) {
      // Bytes of an over-long answer are no progress: they are fetched again, and the pieces that
      // arrived must not have renewed the budget (an endless body would renew it forever).
      if (error instanceof OverlongAnswer) run.retry.restoreProgress(mark);
      tries = run.received > before && !(error instanceof OverlongAnswer) ? 1 : tries + 1;
      tries = await afterFailure(run, error, tries, generation, what, kind);
    }
  }
}
