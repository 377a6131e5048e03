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
 * The host as the task sees it, noting whether the task failed: by throwing, or by calling
 * fail() itself. Every other member is the host's own, bound to it, so members added to
 * TaskHost later need nothing here.
 */
function watchForFailure(host: TaskHost): { host: TaskHost; failed: () => boolean } {
  let failed = false;
  const fail = (message: string): void => {
    failed = true;
    host.fail(message);
  };
  const watched = new Proxy(host, {
    get(target, key) {
      if (key === 'fail') {
        return fail;
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { host: watched, failed: () => failed };
}

/**
 * Runs the task under a host and sets its result; never throws. Resolves to true when the
 * task failed. Tests call this in-process.
 */
export async function executeTask(task: TaskFunction, host: TaskHost): Promise<boolean> {
  const watch = watchForFailure(host);
  const cancel = cancellation(host);
  try {
    await Promise.race([task(watch.host), cancel.cancelled]);
  } catch (error) {
    if (error instanceof TaskFailure) {
      watch.host.fail(error.userMessage);
    } else {
      const e = error as Error;
      host.debug(`Unexpected error: ${e?.stack ?? String(error)}`);
      watch.host.fail(
        `Unexpected error: ${e?.message ?? String(error)}. This is a bug in the task: please report it with the log of a run with system.debug set to true.`,
      );
    }
  } finally {
    cancel.stop();
  }
  return watch.failed();
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
