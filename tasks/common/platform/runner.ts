/**
 * Runs a task function and turns whatever it throws into one readable failure: a TaskFailure
 * becomes its message and advice; anything else is a bug, reported without a stack trace in
 * the log (the stack goes to debug output).
 */
import { TaskFailure, WaitEndedError } from './errors';
import { TaskFunction, TaskHost } from './host';

/**
 * After the agent cancels the step, how long the task may take to end with its own message (a wait
 * ends at once, saying what goes on in LCS) before the runner ends it: a request in flight cannot be
 * called back, and the agent kills the process a few seconds after its first signal.
 */
export const CANCEL_GRACE_MS = 2000;

/** A promise that rejects CANCEL_GRACE_MS after the step is cancelled; `stop` when the task is done. */
function cancellation(host: TaskHost): { cancelled: Promise<never>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let reject: (error: Error) => void = () => undefined;
  const cancelled = new Promise<never>((_, r) => (reject = r));
  const stopListening = host.onCancel((signal) => {
    timer = setTimeout(() => reject(new WaitEndedError(`The step was cancelled (${signal}).`)), CANCEL_GRACE_MS);
  });
  const stop = (): void => {
    clearTimeout(timer);
    stopListening();
  };
  return { cancelled, stop };
}

/**
 * Runs the task under a host and sets its result; never throws. Resolves to true when the
 * task failed (threw). Tests call this in-process.
 */
export async function executeTask(task: TaskFunction, host: TaskHost): Promise<boolean> {
  const cancel = cancellation(host);
  try {
    // A task fails by throwing; it ends well by setting its own result.
    await Promise.race([task(host), cancel.cancelled]);
    return false;
  } catch (error) {
    if (error instanceof TaskFailure) {
      host.fail(error.userMessage);
    } else {
      // Anything can be thrown, `undefined` included: only an Error has a message and a stack.
      const message = error instanceof Error ? error.message : String(error);
      host.debug(`Unexpected error: ${(error instanceof Error && error.stack) || message}`);
      host.fail(`Unexpected error: ${message}. This is a bug in the task: please report it with the log of a run with system.debug set to true.`);
    }
    return true;
  } finally {
    cancel.stop();
  }
}

/** A task's entry point (index.ts): runs it under the pipeline agent's host, then exits. */
export async function runTask(task: TaskFunction, host: TaskHost): Promise<void> {
  const failed = await executeTask(task, host);
  // The result is set. A socket that a timed-out attempt left behind (a proxy that accepted
  // the connection and never answered CONNECT, say) must not keep the step running until the
  // job times out: exit once stdout has been flushed. A failed task exits non-zero, so a
  // wrapper that runs it outside the agent (npm run local, a script) sees the failure too.
  process.stdout.write('', () => process.exit(failed ? 1 : 0));
}
