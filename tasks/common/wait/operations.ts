/**
 * The LCS operations that start work and report on it, as data: a task describes its operation
 * with an OperationDescriptor (tasks/<Task>V1/, e.g. the export's); this file starts any
 * operation so described and fetches the status of any. Paths, the status answer, and advice
 * for LCS's known refusals are pure; the calls go through LcsClient. Nothing here names a task
 * or branches on which operation it is.
 */
import { LcsApiError, OperationError, TaskFailure, ThrottledError, TransportError } from '../platform/errors';
import { LcsCallOptions, LcsClient, LcsEnvelope, LcsOperation } from '../lcs/lcsClient';
import { neutralize } from '../text/sanitize';
import { LcsInstant, isoSeconds, parseLcsTimestamp } from '../text/time';
import { LCS_ID } from '../platform/inputs';

/** The operation LCS runs, identified the way fetchstatus needs it. */
export interface OperationRef {
  /** What the log calls it: the descriptor's label, or 'operation' when it was started elsewhere. */
  label: string;
  projectId: number;
  /** The environment whose status tells about the operation (see OperationDescriptor.statusEnvironmentId). */
  environmentId: string;
  activityId: string;
}

/** One known refusal of a start: when LCS's ErrorMessage matches, this advice. */
export interface RefusalRule {
  when: RegExp;
  advice: string;
}

/**
 * An operation a task starts and waits for, defined in the task's own folder. `S` is what the
 * task read (its settings): the start's path and the status environment come from it.
 */
export interface OperationDescriptor<S> {
  /** What the log calls it: "Started the export", "The export ended in state Failed". */
  label: string;
  /** The start request's path under the API URL (DATABASE_MOVEMENT + the operation's own segments). */
  startPath(settings: S): string;
  /** The environment whose fetchstatus reports on the operation (export: the exported one; refresh: the target). */
  statusEnvironmentId(settings: S): string;
  /** Refusals of the start (IsSuccess: false) this operation knows, tried in order after LCS's daily limit. */
  refusals: RefusalRule[];
  /** Advice for a refusal no rule matches. */
  otherRefusal: string;
  /** Advice for HTTP 404 to the start. */
  ifNotFound: string;
  /** A 401 cause of the operation's own, said beside the geography (see LcsOperation.ifUnauthorized). */
  ifUnauthorized: string;
  /** How to pick the wait up again after a timeout, a cancellation or a failure that ended it. */
  howToWaitAgain(ref: OperationRef): string;
  /** How to wait later when the task does not wait (waitForCompletion false). */
  howToWaitLater(ref: OperationRef): string;
}

/**
 * howToWaitAgain and howToWaitLater for an operation followed with a status step: `task` is the
 * step's reference as a pipeline writes it (the task names it; common names no task), taking
 * environmentId and operationActivityId.
 */
export function waitWithStatusStep(task: string): Pick<OperationDescriptor<unknown>, 'howToWaitAgain' | 'howToWaitLater'> {
  return {
    howToWaitAgain: (ref) => `To wait for it again, run ${task} with environmentId ${ref.environmentId} and operationActivityId ${ref.activityId}.`,
    howToWaitLater: (ref) => `To wait later: ${task} with environmentId ${ref.environmentId} and operationActivityId ${ref.activityId}.`,
  };
}

/** The Database Movement API's root: every start path and the status path begin with it. */
export const DATABASE_MOVEMENT = '/databasemovement/v1';

export function statusPath(ref: Pick<OperationRef, 'projectId' | 'environmentId' | 'activityId'>): string {
  return `${DATABASE_MOVEMENT}/fetchstatus/project/${ref.projectId}/environment/${ref.environmentId}/operationactivity/${ref.activityId}`;
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
 * What LCS answers an export or a refresh on an environment that cannot take it, for the
 * descriptors that meet these refusals to list among their own.
 */
export const ENVIRONMENT_REFUSALS: readonly RefusalRule[] = [
  {
    when: /tier[- ]?1|cloud[- ]hosted|developer|devtest|not supported for this environment/i,
    advice: 'Tier-1 (cloud-hosted or developer) environments cannot be exported or refreshed through this API: use a sandbox (tier 2 or higher).',
  },
  {
    when: /state|servicing|deploy|in progress|stopped/i,
    advice:
      'The environment is in a state that does not allow servicing (another operation running, deploying, stopped or failed): wait until it is Deployed in LCS, then run again.',
  },
];

/**
 * Advice for a refusal of a start (IsSuccess: false); the message itself is LCS's. The daily
 * limit, which any operation can meet, gets its own: nothing was started, and when an
 * operation may start again. Then the operation's rules in order, then its other advice.
 */
export function refusalAdvice(operation: Pick<OperationDescriptor<never>, 'refusals' | 'otherRefusal'>, errorMessage: string): string {
  if (DAILY_LIMIT.test(errorMessage)) {
    return dailyLimitAdvice(errorMessage);
  }
  return operation.refusals.find((rule) => rule.when.test(errorMessage))?.advice ?? operation.otherRefusal;
}

/** The start request of a described operation, for LcsClient: its names in messages and its advice. */
export function startOperation(operation: OperationDescriptor<never>): LcsOperation {
  return {
    name: `start ${operation.label}`,
    couldNot: `start the ${operation.label}`,
    ifRefused: (message) => refusalAdvice(operation, message),
    ifNotFound: operation.ifNotFound,
    ifUnauthorized: operation.ifUnauthorized,
    startsWork: true,
  };
}

export const FETCH_STATUS: LcsOperation = {
  name: 'fetch status',
  // A status answer's OperationActivityId is the status request's own id.
  idLabel: 'request id',
  couldNot: "report the operation's status",
  ifRefused: () =>
    'Check the operation id (operationActivityId) and environmentId: the status is fetched with the exported environment (export) or the target environment (refresh).',
  ifNotFound: 'Check the project id, the environment id and the operation id (operationActivityId).',
};

/**
 * Starts an operation; returns its activity id. A refusal is an OperationError (never retried:
 * a retry can use one of the 3 operations a day). A start whose answer was lost may have started.
 */
export async function startOperationAt(client: LcsClient, operation: OperationDescriptor<never>, path: string): Promise<string> {
  const { label } = operation;
  let envelope: LcsEnvelope;
  try {
    envelope = await client.call(startOperation(operation), 'POST', path);
  } catch (error) {
    throw explainLostStart(label, error);
  }
  const id = envelope.operationActivityId;
  if (!id || !LCS_ID.test(id)) {
    throw new LcsApiError(
      `LCS accepted the ${label} but answered without a valid OperationActivityId.`,
      "Look for the operation in the environment's History in LCS before you run again.",
      200,
    );
  }
  return id.toLowerCase();
}

function explainLostStart(label: string, error: unknown): unknown {
  if (error instanceof ThrottledError) {
    return new OperationError(error.message, `${error.advice ?? ''} LCS did not take the request: nothing was started.`.trim());
  }
  if (error instanceof LcsApiError && error.status === 200 && !error.malformed) {
    return new OperationError(error.message, error.advice);
  }
  // No answer, a 5xx (a TransportError, see http/failures.ts), or an answer that is not LCS's
  // envelope: the start may have reached LCS.
  const unsure = error instanceof TransportError || (error instanceof LcsApiError && error.malformed);
  if (unsure && error instanceof TaskFailure) {
    return new OperationError(
      error.message,
      `The ${label} may have started even so: look at the environment's History in LCS before you run again (every start counts against the 3 operations a day).`,
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
    throw new LcsApiError('LCS answered the status request without an OperationStatus.', 'Run again; if it persists, report it with the debug log.', 200, true);
  }
  return { state: neutralize(state.trim(), 60), completionDate: parseLcsTimestamp(envelope.body.CompletionDate) };
}

/** One status request. */
export async function fetchStatus(client: LcsClient, ref: OperationRef, options: LcsCallOptions = {}): Promise<StatusAnswer> {
  return parseStatus(await client.call(FETCH_STATUS, 'GET', statusPath(ref), options));
}
