/**
 * The wait for a long-running LCS operation: one status request per interval, each with its own
 * retry budget; transient failures never end the wait by themselves; the whole wait ends at its
 * deadline or when the agent cancels the step. The decisions are operationState.ts'; this is
 * the thin loop around them, with the clock and sleep injectable for tests.
 */
import { LcsApiError, OperationError, TaskFailure, TransportError, WaitEndedError } from '../platform/errors';
import { TaskHost } from '../platform/host';
import { publishOutputs } from '../platform/outputVariables';
import { OperationRef, StatusAnswer } from './operations';
import { WaitProgress, formatElapsed, heartbeat, observe, startProgress } from './operationState';
import { RetryBudget } from '../http/retry';
import { neutralize } from '../text/sanitize';
import { formatInstant } from '../text/time';

export interface WaitDependencies {
  host: Pick<TaskHost, 'info' | 'warn' | 'debug' | 'setOutput' | 'onCancel'>;
  /** One status request within the budget given. */
  poll: (budget: RetryBudget) => Promise<StatusAnswer>;
  /** A retry budget for one request that must end by `capMs` from now. */
  newBudget: (capMs: number) => RetryBudget;
  now?: () => number;
}

export interface WaitRequest {
  ref: OperationRef;
  timeoutMs: number;
  pollIntervalMs: number;
  /**
   * The task started the operation just now: the first poll waits a short grace, and LCS saying
   * it does not know the operation means "not visible yet" for NOT_VISIBLE_MS. An id a user gave
   * is not just started: LCS not knowing it ends the wait at once.
   */
  justStarted?: boolean;
  /** How to pick the wait up again, for timeout, cancellation and early-end messages; howToWaitAgain(ref) by default. */
  waitAgain?: string;
}

/** The first poll after our own start waits the poll interval or this, the shorter. */
export const FIRST_POLL_GRACE_MS = 30_000;
/** How long after our own start "not found" is taken for "not visible yet". */
export const NOT_VISIBLE_MS = 5 * 60_000;

class Cancelled extends Error {}

/** How to pick the wait up again after a task that started the operation: the status task with its ids. */
export function howToWaitAgain(ref: OperationRef): string {
  return `To wait for it again, run LcsDatabaseOperationStatus@1 with environmentId ${ref.environmentId} and operationActivityId ${ref.activityId}.`;
}

function waitAgain(request: WaitRequest): string {
  return request.waitAgain ?? howToWaitAgain(request.ref);
}

/** A request's failure that asking again may cure: throttled, 5xx, network, a garbled answer. */
export function isTransient(error: unknown): error is TaskFailure {
  if (error instanceof TransportError) {
    return true;
  }
  return error instanceof LcsApiError && (error.malformed || (error.status !== undefined && (error.status === 429 || error.status >= 500)));
}

/** The failure for an operation that ended in a failure state. */
export function failureState(ref: OperationRef, state: string): OperationError {
  const rolledBack = /^rollbackcompleted$/i.test(state) ? ' LCS rolled the environment back to where it was before.' : '';
  return new OperationError(
    `The ${ref.kind} ended in state ${neutralize(state, 60)} (operation id ${ref.activityId}).${rolledBack}`,
    'Look at the environment\'s History in LCS for the cause before you run again; Microsoft support asks for the activity id.',
  );
}

/** Publishes OperationStatus and CompletionDate (empty while LCS has none). */
export function publishState(host: Pick<TaskHost, 'setOutput' | 'info'>, answer: StatusAnswer): void {
  const values = { OperationStatus: answer.state, CompletionDate: answer.completionDate ? formatInstant(answer.completionDate) : '' };
  publishOutputs(host, ['OperationStatus', 'CompletionDate'], values, { silent: true });
}

/**
 * A promise that rejects with Cancelled when the signal aborts, for one status request; `dispose`
 * removes its listener. One per request rather than one for the whole wait: a long-lived pending
 * promise raced against every poll would keep every poll's reaction, and memory would grow.
 */
function cancelledDuring(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Cancelled());
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Slack past the deadline for a status request (or a token renewal inside it) before it is left behind. */
export const DEADLINE_SLACK_MS = 5000;

/** What the wait remembers of failed status requests, so a failure that repeats is said once. */
interface FailureNotes {
  last?: string;
  repeats: number;
  /** Until when (Date.now() scale) "not found" means "not visible yet"; 0 when never. */
  notVisibleUntil: number;
  saidNotVisible?: boolean;
}

/** LCS answered the status request with IsSuccess: false (it does not know the operation, say). */
function isRefusal(error: unknown): error is LcsApiError {
  return error instanceof LcsApiError && error.status === 200 && !error.malformed;
}

/** A "not found" soon after our own start: LCS may not show the operation yet. Said once. */
function notVisibleYet(deps: WaitDependencies, notes: FailureNotes, error: unknown, now: number): boolean {
  if (!isRefusal(error) || now >= notes.notVisibleUntil) {
    return false;
  }
  if (!notes.saidNotVisible) {
    notes.saidNotVisible = true;
    deps.host.info(`LCS does not report on the operation yet (${error.message}); it was just started, so the wait asks again, for up to ${NOT_VISIBLE_MS / 60_000} minutes after the start.`);
  }
  return true;
}

function noteFailure(deps: WaitDependencies, notes: FailureNotes, error: TaskFailure): void {
  // One status request failing (throttled, timed out, 5xx) says nothing about the operation.
  if (error.message === notes.last) {
    notes.repeats++;
    deps.host.debug(`A status request failed again (${notes.repeats} times in a row): ${error.message}`);
    return;
  }
  notes.last = error.message;
  notes.repeats = 1;
  deps.host.warn(`A status request failed; the wait goes on: ${error.message}`);
}

/** Resolves with `undefined` when the deadline (plus slack) passes: nothing runs much past it. */
function deadlinePassed(deadline: number, now: number): { reached: Promise<undefined>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const reached = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - now) + DEADLINE_SLACK_MS);
  });
  return { reached, clear: () => clearTimeout(timer) };
}

async function pollOnce(deps: WaitDependencies, deadline: number, cancel: AbortSignal, notes: FailureNotes): Promise<StatusAnswer | undefined> {
  const now = deps.now ?? Date.now;
  const late = deadlinePassed(deadline, now());
  const cancelled = cancelledDuring(cancel);
  try {
    // A request in flight is left behind on cancellation or at the deadline (a token renewal
    // inside it has a budget of its own): the process exits once the result is set.
    const answer = await Promise.race([deps.poll(deps.newBudget(Math.max(0, deadline - now()))), cancelled.promise, late.reached]);
    notes.last = answer ? undefined : notes.last;
    return answer;
  } catch (error) {
    if (notVisibleYet(deps, notes, error, now())) {
      return undefined;
    }
    if (!isTransient(error)) {
      throw error;
    }
    noteFailure(deps, notes, error);
    return undefined;
  } finally {
    late.clear();
    cancelled.dispose();
  }
}

function timedOut(request: WaitRequest, progress: WaitProgress): WaitEndedError {
  return new WaitEndedError(
    `The ${request.ref.kind} did not end within timeoutMinutes (${formatElapsed(request.timeoutMs)}); its last known state is ${neutralize(progress.state ?? 'unknown', 60)}. It goes on in LCS (operation id ${request.ref.activityId}).`,
    `${waitAgain(request)} Or raise timeoutMinutes (and the job's timeoutInMinutes).`,
  );
}

/** Waits `ms`, or rejects with Cancelled as soon as the step is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function loop(deps: WaitDependencies, request: WaitRequest, cancel: AbortSignal): Promise<StatusAnswer> {
  const now = deps.now ?? Date.now;
  const deadline = now() + request.timeoutMs;
  let progress = startProgress(request.ref.kind, request.ref.activityId, now());
  const notes: FailureNotes = { repeats: 0, notVisibleUntil: request.justStarted ? now() + NOT_VISIBLE_MS : 0 };
  if (request.justStarted) {
    // LCS may not know an operation the moment it is accepted (d365fo.tools sleeps before its first status call).
    await sleep(Math.min(request.pollIntervalMs, FIRST_POLL_GRACE_MS, request.timeoutMs), cancel);
  }
  for (;;) {
    const answer = await pollOnce(deps, deadline, cancel, notes);
    if (answer) {
      const seen = observe(progress, answer, now());
      progress = seen.progress;
      seen.lines.forEach((line) => deps.host.info(line));
      if (seen.unknownState) {
        deps.host.warn(`LCS reports a state this task does not know, '${seen.unknownState}': the wait goes on as for a running operation, and ends at timeoutMinutes (${formatElapsed(request.timeoutMs)} after it began) unless the state becomes a known end.`);
      }
      if (seen.changed) {
        publishState(deps.host, answer);
      }
      if (seen.verdict !== 'waiting') {
        return seen.verdict === 'succeeded' ? answer : Promise.reject(failureState(request.ref, answer.state));
      }
    }
    const beat = heartbeat(progress, now());
    progress = beat.progress;
    if (beat.line) {
      deps.host.info(beat.line);
    }
    if (now() >= deadline) {
      throw timedOut(request, progress);
    }
    await sleep(Math.min(request.pollIntervalMs, deadline - now()), cancel);
  }
}

/**
 * A failure that ended the wait before the operation did (a 403, a status IsSuccess: false, a
 * sign-in refused during a renewal): its own message and advice, and that the operation may go on.
 */
function endedEarly(request: WaitRequest, error: unknown): unknown {
  const { ref } = request;
  if (!(error instanceof TaskFailure) || error instanceof OperationError || error instanceof WaitEndedError) {
    return error;
  }
  const goesOn = `If the ${ref.kind} was started, it goes on in LCS (operation id ${ref.activityId}). ${waitAgain(request)}`;
  return new WaitEndedError(error.message, error.advice ? `${error.advice} ${goesOn}` : goesOn);
}

/**
 * Waits until the operation reaches a final state. Resolves with the last answer on success;
 * throws OperationError for a failure state, WaitEndedError on timeout or cancellation, and
 * the LCS error for an answer that will not change by waiting (IsSuccess: false, 403, ...).
 */
export async function waitForOperation(deps: WaitDependencies, request: WaitRequest): Promise<StatusAnswer> {
  const controller = new AbortController();
  const stopListening = deps.host.onCancel((signal) => {
    deps.host.warn(`The step was cancelled (${signal}): the ${request.ref.kind} keeps running in LCS (operation id ${request.ref.activityId}). ${waitAgain(request)}`);
    controller.abort();
  });
  try {
    return await loop(deps, request, controller.signal);
  } catch (error) {
    if (error instanceof Cancelled) {
      throw new WaitEndedError(`Cancelled while waiting for the ${request.ref.kind} (operation id ${request.ref.activityId}); it goes on in LCS.`, waitAgain(request));
    }
    throw endedEarly(request, error);
  } finally {
    stopListening();
  }
}
