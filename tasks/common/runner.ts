/**
 * Runs a task function and turns whatever it throws into one readable failure: a TaskFailure
 * becomes its message and advice; anything else is a bug, reported without a stack trace in
 * the log (the stack goes to debug output).
 */
import { TaskFailure } from './errors';
import { TaskFunction, TaskHost } from './host';

/**
 * The host as the task sees it, noting whether the task failed: by throwing, or by calling
 * fail() itself. Every member delegates to the host (a class instance keeps its `this`).
 */
function watchForFailure(host: TaskHost): { host: TaskHost; failed: () => boolean } {
  let failed = false;
  const watched: TaskHost = {
    inputs: host.inputs,
    networkSettings: () => host.networkSettings(),
    info: (line) => host.info(line),
    warn: (line) => host.warn(line),
    debug: (line) => host.debug(line),
    setSecret: (value) => host.setSecret(value),
    setSecrets: (values) => host.setSecrets(values),
    setOutput: (name, value, isSecret) => host.setOutput(name, value, isSecret),
    attachSummary: (title, fileName, markdown) => host.attachSummary(title, fileName, markdown),
    succeed: (message) => host.succeed(message),
    succeedWithIssues: (message) => host.succeedWithIssues(message),
    fail: (message) => {
      failed = true;
      host.fail(message);
    },
    onCancel: (handler) => host.onCancel(handler),
  };
  return { host: watched, failed: () => failed };
}

/**
 * Runs the task under a host and sets its result; never throws. Resolves to true when the
 * task failed. Tests call this in-process.
 */
export async function executeTask(task: TaskFunction, host: TaskHost): Promise<boolean> {
  const watch = watchForFailure(host);
  try {
    await task(watch.host);
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
