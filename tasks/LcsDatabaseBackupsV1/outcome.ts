/**
 * What LcsDatabaseBackups@1 concludes from a selection: the shared judgement
 * (common/backups/backupChoice.ts: lines, warnings, failure, result) plus this task's output values. A
 * pure function of (selection, settings, now); the task function only carries it out.
 */
import { backupOutputValues } from '../common/lcs/databaseAssets';
import { OutputsHow } from '../common/platform/outputVariables';
import { Choice, decideChoice } from '../common/backups/backupChoice';
import { Selection } from '../common/backups/backupSelection';
import { OutputName } from './outputs';
import { TaskSettings } from './settings';

export { EXPIRY_WARNING_MS, STALE_AFTER_DAYS } from '../common/backups/backupChoice';

export interface Outcome extends Choice {
  outputs: Record<OutputName, string>;
  /** How to publish `outputs`: the "Output variables:" line only when a backup was chosen. */
  outputsHow: OutputsHow<OutputName>;
}

export type OutcomeSettings = Pick<TaskSettings, 'projectId' | 'criteria' | 'maxAgeDays' | 'failIfNoBackup' | 'fileLocationIsSecret'>;

/** The outcome of a run that listed `selection` at `now`. */
export function decideOutcome(selection: Selection, settings: OutcomeSettings, now: number): Outcome {
  const chosen = selection.chosen;
  const choice = decideChoice(selection, settings, now);
  const count = chosen ? selection.candidates.length : 0;
  return {
    ...choice,
    outputs: { ...backupOutputValues(chosen), BackupCount: String(count), DownloadedFilePath: '' },
    outputsHow: {
      secret: settings.fileLocationIsSecret ? ['FileLocation'] : [],
      withValue: ['BackupCount'],
      // DownloadedFilePath gets its own line once the file is there.
      unlisted: ['DownloadedFilePath'],
      silent: !chosen,
    },
  };
}
