/**
 * Runs a task function and turns whatever it throws into one readable failure: a TaskFailure
 * becomes its message and advice; anything else is a bug, reported without a stack trace in
 * the log (the stack goes to debug output).
 */
import { TaskFailure } from './errors';
import { debug, fail } from './agent';

export async function runTask(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    if (error instanceof TaskFailure) {
      fail(error.userMessage);
    } else {
      const e = error as Error;
      debug(`Unexpected error: ${e?.stack ?? String(error)}`);
      fail(
        `Unexpected error: ${e?.message ?? String(error)}. This is a bug in the task: please report it with the log of a run with system.debug set to true.`,
      );
    }
  }
  // The result is set. A socket that a timed-out attempt left behind (a proxy that accepted
  // the connection and never answered CONNECT, say) must not keep the step running until the
  // job times out: exit once stdout has been flushed.
  process.stdout.write('', () => process.exit());
}
