/**
 * The wait for a long-running LCS operation: one status request per interval, each with its own
 * retry budget; transient failures never end the wait by themselves; the whole wait ends at its
 * deadline or when the agent cancels the step. The decisions are operationState.ts'; this is
 * the thin loop around them. Cancellation and the deadline are AbortSignals: one signal (cancel
 * or deadline) goes into each status request, so a request still running then is aborted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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
  /** One status request within the budget given, aborted when `signal` aborts. */
  poll: (budget: RetryBudget, signal: AbortSignal) => Promise<StatusAnswer>;
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
  /** How to pick the wait up again, for timeout, cancellation and early-end messages (the descriptor's howToWaitAgain). */
  waitAgain: string;
}

/** The first poll after our own start waits the poll interval or this, the shorter. */
export const FIRST_POLL_GRACE_MS = 30_000;
/** How long after our own start "not found" is taken for "not visible yet". */
export const NOT_VISIBLE_MS = 5 * 60_000;

/**
 * A request's failure that asking again may cure: throttled, 5xx, network (all TransportError, as
 * http/failures.ts words them), or a garbled answer.
 */
export function isTransient(error: unknown): error is TaskFailure {
  return error instanceof TransportError || (error instanceof LcsApiError && error.malformed);
}

/** The failure for an operation that ended in a failure state. */
export function failureState(ref: OperationRef, state: string): OperationError {
  const rolledBack = /^rollbackcompleted$/i.test(state) ? ' LCS rolled the environment back to where it was before.' : '';
  return new OperationError(
    `The ${ref.label} ended in state ${neutralize(state, 60)} (operation id ${ref.activityId}).${rolledBack}`,
    "Look at the environment's History in LCS for the cause before you run again; Microsoft support asks for the activity id.",
  );
}

/** Publishes OperationStatus and CompletionDate (empty while LCS has none). */
export function publishState(host: Pick<TaskHost, 'setOutput' | 'info'>, answer: StatusAnswer): void {
  const values = { OperationStatus: answer.state, CompletionDate: answer.completionDate ? formatInstant(answer.completionDate) : '' };
  publishOutputs(host, ['OperationStatus', 'CompletionDate'], values, { silent: true });
}

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts. A status request honours
 * the signal itself; a part that does not (a token renewal inside it) is left behind, and the
 * process exits once the result is set. The listener goes with each request: one left on the
 * wait's signal per poll would keep every poll's reaction, and memory would grow. (Node has no
 * such race of its own: events.once(signal, 'abort') keeps its listener until an abort.)
 */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Slack past the deadline for a status request (or a token renewal inside it) before it is aborted. */
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
    deps.host.info(
      `LCS does not report on the operation yet (${error.message}); it was just started, so the wait asks again, for up to ${NOT_VISIBLE_MS / 60_000} minutes after the start.`,
    );
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

/**
 * A signal that aborts `ms` from now; `clear` stops its timer. Not AbortSignal.timeout: that
 * runs on Node's internal timers, which sinon's fake clock does not drive (the wait's tests run
 * hours of waiting on it), where the global setTimeout is faked.
 */
function deadlineSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("The wait's deadline passed.")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** The wait's signals: the agent's cancel, and cancel or deadline (plus slack) for each status request. */
interface WaitSignals {
  cancel: AbortSignal;
  request: AbortSignal;
}

async function pollOnce(deps: WaitDependencies, deadline: number, signals: WaitSignals, notes: FailureNotes): Promise<StatusAnswer | undefined> {
  const now = deps.now ?? Date.now;
  try {
    const answer = await untilAborted(deps.poll(deps.newBudget(Math.max(0, deadline - now())), signals.request), signals.request);
    notes.last = undefined;
    return answer;
  } catch (error) {
    if (signals.request.aborted) {
      // Cancelled: the wait ends here. The deadline: the loop says it timed out.
      signals.cancel.throwIfAborted();
      return undefined;
    }
    if (notVisibleYet(deps, notes, error, now())) {
      return undefined;
    }
    if (!isTransient(error)) {
      throw error;
    }
    noteFailure(deps, notes, error);
    return undefined;
  }
}

function timedOut(request: WaitRequest, progress: WaitProgress): WaitEndedError {
  return new WaitEndedError(
    `The ${request.ref.label} did not end within timeoutMinutes (${formatElapsed(request.timeoutMs)}); its last known state is ${neutralize(progress.state ?? 'unknown', 60)}. It goes on in LCS (operation id ${request.ref.activityId}).`,
    `${request.waitAgain} Or raise timeoutMinutes (and the job's timeoutInMinutes).`,
  );
}

async function loop(deps: WaitDependencies, request: WaitRequest, signals: WaitSignals): Promise<StatusAnswer> {
  const now = deps.now ?? Date.now;
  const deadline = now() + request.timeoutMs;
  let progress = startProgress(request.ref.label, request.ref.activityId, now());
  const notes: FailureNotes = { repeats: 0, notVisibleUntil: request.justStarted ? now() + NOT_VISIBLE_MS : 0 };
  if (request.justStarted) {
    // LCS may not know an operation the moment it is accepted (d365fo.tools sleeps before its first status call).
    await sleep(Math.min(request.pollIntervalMs, FIRST_POLL_GRACE_MS, request.timeoutMs), undefined, { signal: signals.cancel });
  }
  for (;;) {
    const answer = await pollOnce(deps, deadline, signals, notes);
    if (answer) {
      const seen = observe(progress, answer, now());
      progress = seen.progress;
      seen.lines.forEach((line) => deps.host.info(line));
      if (seen.unknownState) {
        deps.host.warn(
          `LCS reports a state this task does not know, '${seen.unknownState}': the wait goes on as for a running operation, and ends at timeoutMinutes (${formatElapsed(request.timeoutMs)} after it began) unless the state becomes a known end.`,
        );
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
    await sleep(Math.min(request.pollIntervalMs, deadline - now()), undefined, { signal: signals.cancel });
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
  const goesOn = `If the ${ref.label} was started, it goes on in LCS (operation id ${ref.activityId}). ${request.waitAgain}`;
  return new WaitEndedError(error.message, error.advice ? `${error.advice} ${goesOn}` : goesOn);
}

/**
 * Waits until the operation reaches a final state. Resolves with the last answer on success;
 * throws OperationError for a failure state, WaitEndedError on timeout or cancellation, and
 * the LCS error for an answer that will not change by waiting (IsSuccess: false, 403, ...).
 */
export async function waitForOperation(deps: WaitDependencies, request: WaitRequest): Promise<StatusAnswer> {
  const cancel = new AbortController();
  const stopListening = deps.host.onCancel((signal) => {
    deps.host.warn(
      `The step was cancelled (${signal}): the ${request.ref.label} keeps running in LCS (operation id ${request.ref.activityId}). ${request.waitAgain}`,
    );
    cancel.abort(new Error(`The step was cancelled (${signal}).`));
  });
  // Nothing runs much past the deadline: a status request still running then is aborted.
  const late = deadlineSignal(request.timeoutMs + DEADLINE_SLACK_MS);
  try {
    return await loop(deps, request, { cancel: cancel.signal, request: AbortSignal.any([cancel.signal, late.signal]) });
  } catch (error) {
    if (cancel.signal.aborted) {
      throw new WaitEndedError(
        `Cancelled while waiting for the ${request.ref.label} (operation id ${request.ref.activityId}); it goes on in LCS.`,
        request.waitAgain,
      );
    }
    throw endedEarly(request, error);
  } finally {
    late.clear();
    stopListening();
  }
}
