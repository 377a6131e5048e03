/**
 * Publishing a task's output variables, one way for every task: the values, each secret where
 * the task says so, then the "Output variables:" line that tells users what later steps can read.
 */
import type { TaskHost } from './host';
import { neutralize } from '../text/sanitize';

export interface OutputsHow<N extends string> {
  /** Published as secret variables and marked "(secret)" in the line. */
  secret?: readonly N[];
  /** Shown with their value in the line: "BackupCount = 3". */
  withValue?: readonly N[];
  /** Left out of the line: each gets a line of its own once it is set (DownloadedFilePath). */
  unlisted?: readonly N[];
  /** No "Output variables:" line: outputs published on the way, before the task has its result. */
  silent?: boolean;
}

/** "Output variables: BackupId, FileLocation (secret), ..., BackupCount = 3." */
export function outputsLine<N extends string>(names: readonly N[], values: Partial<Record<N, string>>, how: OutputsHow<N> = {}): string {
  const listed = names
    .filter((name) => !how.unlisted?.includes(name))
    .map((name) => {
      if (how.secret?.includes(name)) {
        return `${name} (secret)`;
      }
      const value = values[name];
      return how.withValue?.includes(name) && value !== undefined ? `${name} = ${neutralize(value, 200)}` : name;
    });
  return `Output variables: ${listed.join(', ')}.`;
}

/**
 * Publishes, in the order of `names` (the task's list, task.json's order), every output that
 * `values` holds, then logs the line that names all of `names`: outputs a task published earlier
 * (OperationActivityId, right after the start) are listed with the rest.
 */
export function publishOutputs<N extends string>(
  host: Pick<TaskHost, 'setOutput' | 'info'>,
  names: readonly N[],
  values: Partial<Record<N, string>>,
  how: OutputsHow<N> = {},
): void {
  for (const name of names) {
    const value = values[name];
    if (value !== undefined) {
      host.setOutput(name, value, how.secret?.includes(name) ?? false);
    }
  }
  if (!how.silent) {
    host.info(outputsLine(names, values, how));
  }
}
