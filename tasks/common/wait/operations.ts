/**
 * The LCS operations that start work and report on it: export, refresh, fetch status. Paths,
 * the status answer, and advice for LCS's known refusals are pure; the calls go through LcsClient.
 */
import { LcsApiError, OperationError, TaskFailure, ThrottledError, TransportError } from '../platform/errors';
import { LcsCallOptions, LcsClient, LcsEnvelope, LcsOperation } from '../lcs/lcsClient';
import { neutralize } from '../text/sanitize';
import { LcsInstant, isoSeconds, parseLcsTimestamp } from '../text/time';
import { LCS_ID } from '../platform/inputs';

/** What was started, for messages: "export", "refresh". */
export type OperationKind = 'export' | 'refresh';

/** The operation LCS runs, identified the way fetchstatus needs it. */
export interface OperationRef {
  /** What the log calls it; 'operation' when it was started elsewhere and its kind is unknown. */
  kind: OperationKind | 'operation';
  projectId: number;
  /** Export: the exported environment; refresh: the target. Status is fetched with this id. */
  environmentId: string;
  activityId: string;
}

const BASE = '/databasemovement/v1';

export function exportPath(projectId: number, environmentId: string, backupName: string): string {
  return `${BASE}/export/project/${projectId}/environment/${environmentId}/backupName/${encodeURIComponent(backupName)}`;
}

export function refreshPath(projectId: number, sourceEnvironmentId: string, targetEnvironmentId: string): string {
  return `${BASE}/refresh/project/${projectId}/source/${sourceEnvironmentId}/target/${targetEnvironmentId}`;
}

export function statusPath(ref: Pick<OperationRef, 'projectId' | 'environmentId' | 'activityId'>): string {
  return `${BASE}/fetchstatus/project/${ref.projectId}/environment/${ref.environmentId}/operationactivity/${ref.activityId}`;
}

const DAILY_LIMIT = /maximum allowed api operations/i;
const DAY_MS = 24 * 3_600_000;

/** "in about 5 hours", "in about 20 minutes", "now": how long until `atMs`. */
export function inAbout(atMs: number, now: number): string {
  const minutes = Math.round((atMs - now) / 60_000);
  if (minutes <= 0) {
    return 'now';
  }
  if (minutes < 90) {
    return `in about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `in about ${Math.round(minutes / 60)} hours`;
}

/**
 * The daily limit's advice. LCS documents its text as `Maximum allowed API operations are 3 from
 * 2019-09-30T04:01:01.9999999` (UTC): the window opened then, so an operation may start 24 hours later.
 */
export function dailyLimitAdvice(errorMessage: string, now: number = Date.now()): string {
  const limit = /operations (?:are|is) (\d+)/i.exec(errorMessage)?.[1] ?? '3';
  const from = parseLcsTimestamp(/\bfrom (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z?)/i.exec(errorMessage)?.[1]);
  const head = `LCS allows ${limit} database operations per environment in 24 hours (those started in the LCS portal count too), and nothing was started.`;
  if (from) {
    const again = from.epochMs + DAY_MS;
    return `${head} The 24 hours counted from ${isoSeconds(new Date(from.epochMs))} end at ${isoSeconds(new Date(again))} (${inAbout(again, now)}): run again after that, or use another environment.`;
  }
  const after = /try (?:again )?after ([^.]+(?:\.\d+)?[^.]*)/i.exec(errorMessage)?.[1];
  return `${head} Run again ${after ? `after ${neutralize(after, 60)} (as LCS says)` : 'when the 24 hours have passed'}, or use another environment.`;
}

/**
 * Advice for LCS's known refusals of a start (IsSuccess: false); the message itself is LCS's.
 * The daily limit gets its own: nothing was started, and when an operation may start again.
 */
export function refusalAdvice(kind: OperationKind, errorMessage: string): string {
  if (DAILY_LIMIT.test(errorMessage)) {
    return dailyLimitAdvice(errorMessage);
  }
  if (/not (?:a )?sandbox|is (?:a )?production|production environment/i.test(errorMessage) && kind === 'refresh') {
    return 'A refresh can only replace a sandbox (tier 2 or higher) database: check that targetEnvironmentId is a sandbox, not production.';
  }
  if (/tier[- ]?1|cloud[- ]hosted|developer|devtest|not supported for this environment/i.test(errorMessage)) {
    return 'Tier-1 (cloud-hosted or developer) environments cannot be exported or refreshed through this API: use a sandbox (tier 2 or higher).';
  }
  if (/state|servicing|deploy|in progress|stopped/i.test(errorMessage)) {
    return 'The environment is in a state that does not allow servicing (another operation running, deploying, stopped or failed): wait until it is Deployed in LCS, then run again.';
  }
  return kind === 'export'
    ? 'Check the environment id (a sandbox of this project) and that the account may export its database in LCS.'
    : 'Check both environment ids (the target must be a sandbox of this project) and that the account may refresh the target in LCS.';
}

function startOperation(kind: OperationKind): LcsOperation {
  return {
    name: `start ${kind}`,
    couldNot: `start the ${kind}`,
    ifRefused: (message) => refusalAdvice(kind, message),
    ifNotFound: `Check the project id and the environment id${kind === 'refresh' ? 's' : ''} (GUIDs shown on the environment's page in LCS).`,
    ifUnauthorized: `LCS refuses the ${kind} for this kind of environment (it answers 401 to a refresh between cloud-hosted environments): export and refresh work between sandbox and production environments, not cloud-hosted (Tier-1) ones. Check the environment id${kind === 'refresh' ? 's' : ''} in LCS. Nothing was started.`,
    startsWork: true,
  };
}

export const START_EXPORT = startOperation('export');
export const START_REFRESH = startOperation('refresh');

export const FETCH_STATUS: LcsOperation = {
  name: 'fetch status',
  // A status answer's OperationActivityId is the status request's own id.
  idLabel: 'request id',
  couldNot: 'report the operation\'s status',
  ifRefused: () => 'Check the operation id (operationActivityId) and environmentId: the status is fetched with the exported environment (export) or the target environment (refresh).',
  ifNotFound: 'Check the project id, the environment id and the operation id (operationActivityId).',
};

/**
 * Starts an operation; returns its activity id. A refusal is an OperationError (never retried:
 * a retry can use one of the 3 operations a day). A start whose answer was lost may have started.
 */
export async function startOperationAt(client: LcsClient, kind: OperationKind, path: string): Promise<string> {
  let envelope: LcsEnvelope;
  try {
    envelope = await client.call(kind === 'export' ? START_EXPORT : START_REFRESH, 'POST', path);
  } catch (error) {
    throw explainLostStart(kind, error);
  }
  const id = envelope.operationActivityId;
  if (!id || !LCS_ID.test(id)) {
    throw new LcsApiError(
      `LCS accepted the ${kind} but answered without a valid OperationActivityId.`,
      'Look for the operation in the environment\'s History in LCS before you run again.',
      200,
    );
  }
  return id.toLowerCase();
}

function explainLostStart(kind: OperationKind, error: unknown): unknown {
  if (error instanceof ThrottledError || (error instanceof LcsApiError && error.status === 429)) {
    return new OperationError(error.message, `${error.advice ?? ''} LCS did not take the request: nothing was started.`.trim());
  }
  if (error instanceof LcsApiError && error.status === 200 && !error.malformed) {
    return new OperationError(error.message, error.advice);
  }
  // No answer, a 5xx, or an answer that is not LCS's envelope: the start may have reached LCS.
  const unsure = error instanceof TransportError || (error instanceof LcsApiError && (error.malformed || (error.status ?? 0) >= 500));
  if (unsure && error instanceof TaskFailure) {
    return new OperationError(
      error.message,
      `The ${kind} may have started even so: look at the environment's History in LCS before you run again (every start counts against the 3 operations a day).`,
    );
  }
  return error;
}

/** What a status answer says about the operation. */
export interface StatusAnswer {
  /** LCS's OperationStatus, as text (LCS adds states; never assume the list is closed). */
  state: string;
  completionDate?: LcsInstant;
}

/** Reads a status envelope. Its own OperationActivityId is the status call's, not the operation's. */
export function parseStatus(envelope: LcsEnvelope): StatusAnswer {
  const state = envelope.body.OperationStatus;
  if (typeof state !== 'string' || !state.trim()) {
    throw new LcsApiError(
      'LCS answered the status request without an OperationStatus.',
      'Run again; if it persists, report it with the debug log.',
      200,
      true,
    );
  }
  return { state: neutralize(state.trim(), 60), completionDate: parseLcsTimestamp(envelope.body.CompletionDate) };
}

/** One status request. */
export async function fetchStatus(client: LcsClient, ref: OperationRef, options: LcsCallOptions = {}): Promise<StatusAnswer> {
  return parseStatus(await client.call(FETCH_STATUS, 'GET', statusPath(ref), options));
}
