/**
 * What a task function may do to the world around it: read inputs and connections, read the
 * network settings, write the log, register secrets, publish outputs, attach a summary, set the
 * result, and learn that the step is being cancelled. The pipeline implements it with
 * azure-pipelines-task-lib (pipelineHost.ts); tests run task functions in-process under a fake.
 */
import type { InputSource } from './inputs';
import type { NetworkSettings } from './networkSettings';

export interface TaskHost {
  readonly inputs: InputSource;
  /** The proxy and certificate settings, read when first asked for. */
  networkSettings(): NetworkSettings;

  /** A log line. Every caller passes text it built; remote parts are neutralized again by the host. */
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;

  /** Masks a value in every later line of the log. */
  setSecret(value: string): void;
  /** Masks many values at once (thousands of download URLs). */
  setSecrets(values: Iterable<string>): void;
  /** Publishes an output variable (`isOutput=true`), readable as `$(<step name>.<name>)`. */
  setOutput(name: string, value: string, isSecret?: boolean): void;
  /** Shows how far a long step has got (`##vso[task.setprogress]`): 0-100 and a short text. */
  setProgress(percent: number, text: string): void;
  /** Attaches Markdown as a summary tab; may throw (a summary is a convenience, callers warn). */
  attachSummary(title: string, fileName: string, markdown: string): void;

  succeed(message: string): void;
  succeedWithIssues(message: string): void;
  fail(message: string): void;

  /**
   * Calls `handler` once when the agent cancels the step (SIGINT, then SIGTERM). Returns a
   * function that removes the handler. Any number may listen; the runner ends the task shortly
   * after (runner.ts, CANCEL_GRACE_MS), so a handler only says what the cancel leaves behind.
   */
  onCancel(handler: (signal: string) => void): () => void;
}

/** A task function: sequences the work and sets the result through the host. */
export type TaskFunction = (host: TaskHost) => Promise<void>;

/** While `work` runs, a cancel of the step makes `note` a warning: what the cancel leaves behind. */
export async function noteOnCancel<T>(host: TaskHost, note: string, work: () => Promise<T>): Promise<T> {
  const stop = host.onCancel((signal) => host.warn(`The step was cancelled (${signal}): ${note}`));
  try {
    return await work();
  } finally {
    stop();
  }
}
