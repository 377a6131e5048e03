/**
 * Runs a task function and turns whatever it throws into one readable failure: a TaskFailure
 * becomes its message and advice; anything else is a bug, reported without a stack trace in
 * the log (the stack goes to debug output).
 */
import { TaskFailure } from './errors';
import { TaskFunction, TaskHost } from './host';

/** Runs the task under a host and sets its result; never throws. Tests call this in-process. */
export async function executeTask(task: TaskFunction, host: TaskHost): Promise<void> {
  try {
    await task(host);
  } catch (error) {
    if (error instanceof TaskFailure) {
      host.fail(error.userMessage);
    } else {
      const e = error as Error;
      host.debug(`Unexpected error: ${e?.stack ?? String(error)}`);
      host.fail(
        `Unexpected error: ${e?.message ?? String(error)}. This is a bug in the task: please report it with the log of a run with system.debug set to true.`,
      );
    }
  }
}

/** A task's entry point (index.ts): runs it under the pipeline agent's host, then exits. */
export async function runTask(task: TaskFunction, host: TaskHost): Promise<void> {
  await executeTask(task, host);
  // The result is set. A socket that a timed-out attempt left behind (a proxy that accepted
  // the connection and never answered CONNECT, say) must not keep the step running until the
  // job times out: exit once stdout has been flushed.
  process.stdout.write('', () => process.exit());
}
