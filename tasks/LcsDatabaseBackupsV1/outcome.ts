/**
 * What LcsDatabaseBackups@1 concludes from a selection: the output values, the warnings, a
 * failure, the result message. A pure function of (selection, settings, now); the task function
 * only carries it out.
 */
import { backupOutputValues, sasExpiry } from '../common/databaseAssets';
import { SelectionError, TaskFailure } from '../common/errors';
import { neutralize } from '../common/sanitize';
import { ageInDays, isoSeconds } from '../common/time';
import { OUTPUTS, OutputName } from './outputs';
import { chosenLine, describeFilters, formatAge } from './report';
import { Selection, instantFor } from './selection';
import { TaskSettings } from './settings';

/** Warn about a chosen backup older than this when no maxAgeDays is set. */
export const STALE_AFTER_DAYS = 30;
/** Warn when the download URL expires sooner than this. */
export const EXPIRY_WARNING_MS = 2 * 60 * 60 * 1000;


export interface Outcome {
  /** Lines for the log, before the warnings. */
  lines: string[];
  warnings: string[];
  /** When set, the task fails with it and publishes nothing. */
  failure?: TaskFailure;
  outputs: Record<OutputName, string>;
  /** The "Output variables:" line, when a backup was chosen. */
  outputLine?: string;
  result: { status: 'succeeded' | 'succeededWithIssues'; message: string };
}

export type OutcomeSettings = Pick<TaskSettings, 'projectId' | 'criteria' | 'maxAgeDays' | 'failIfNoBackup' | 'fileLocationIsSecret'>;

/** "Output variables: BackupId, FileLocation (secret), ..., BackupCount = 3." */
export function outputLine(fileLocationIsSecret: boolean, count: number): string {
  // DownloadedFilePath gets its own line once the file is there.
  const names = OUTPUTS.filter((name) => name !== 'DownloadedFilePath').map((name) => {
    if (name === 'FileLocation' && fileLocationIsSecret) {
      return `${name} (secret)`;
    }
    return name === 'BackupCount' ? `${name} = ${count}` : name;
  });
  return `Output variables: ${names.join(', ')}.`;
}

function noMatch(selection: Selection, settings: OutcomeSettings): Outcome {
  const what = `No database backup in LCS project ${settings.projectId} matched (${selection.listedCount} listed; ${describeFilters(settings.criteria)}${selection.skippedCount ? `; ${selection.skippedCount} skipped` : ''}).`;
  const fix = 'Check the name and file name filters against the Asset library > Database backup list in LCS, or export a new backup.';
  return {
    lines: [],
    warnings: settings.failIfNoBackup ? [] : [`${what} BackupCount is 0 (failIfNoBackup is false).`],
    failure: settings.failIfNoBackup ? new SelectionError(what, fix) : undefined,
    outputs: { ...backupOutputValues(undefined), BackupCount: '0', DownloadedFilePath: '' },
    result: { status: 'succeededWithIssues', message: 'No database backup matched; BackupCount = 0.' },
  };
}

function expiryWarning(expiresOn: Date | undefined, now: number): string[] {
  if (!expiresOn || expiresOn.getTime() - now >= EXPIRY_WARNING_MS) {
    return [];
  }
  const when = expiresOn.getTime() <= now ? 'has already expired' : `expires in ${Math.round((expiresOn.getTime() - now) / 60_000)} min`;
  return [
    `The download URL (FileLocation) of the chosen backup ${when} (${isoSeconds(expiresOn)}); later steps may fail to download it. Run this task right before the download.`,
  ];
}

/**
 * backupId named a backup that is not there, or not usable. Always a failure, whatever
 * failIfNoBackup says: the run was asked for one backup, and another would be a wrong answer.
 */
function idNotFound(selection: Selection, settings: OutcomeSettings, backupId: string): Outcome {
  const unusable = selection.skipped[0];
  const failure = unusable
    ? new SelectionError(
      `The database backup with Id ${backupId} in LCS project ${settings.projectId} ('${neutralize(unusable.asset.name, 120)}') cannot be used: ${unusable.reason}.`,
      'If its export is still running, run again when it has finished; otherwise clear backupId to choose the newest matching backup.',
    )
    : new SelectionError(
      `LCS project ${settings.projectId} lists no database backup with Id ${backupId} (${selection.listedCount} listed).`,
      'Check the Id against Asset library > Database backup in LCS (a deleted backup is gone, and each project has its own backups), or clear backupId to choose the newest matching backup.',
    );
  return {
    lines: [],
    warnings: [],
    failure,
    outputs: { ...backupOutputValues(undefined), BackupCount: '0', DownloadedFilePath: '' },
    result: { status: 'succeededWithIssues', message: failure.message },
  };
}

function chosenOutcome(selection: Selection, settings: OutcomeSettings, now: number, message: string): Outcome {
  const chosen = selection.chosen!;
  return {
    lines: [chosenLine(selection, settings.criteria, now)],
    warnings: [],
    outputs: { ...backupOutputValues(chosen), BackupCount: String(selection.candidates.length), DownloadedFilePath: '' },
    outputLine: outputLine(settings.fileLocationIsSecret, selection.candidates.length),
    result: { status: 'succeeded', message },
  };
}

/** The outcome of a run that listed `selection` at `now`. */
export function decideOutcome(selection: Selection, settings: OutcomeSettings, now: number): Outcome {
  const chosen = selection.chosen;
  const { criteria, maxAgeDays } = settings;
  if (criteria.backupId) {
    if (!chosen) {
      return idNotFound(selection, settings, criteria.backupId);
    }
    // Chosen by hand: no age limit or staleness judgement, only whether it can still be downloaded.
    const outcome = chosenOutcome(selection, settings, now, `Backup chosen by id: ${neutralize(chosen.name, 120)}`);
    outcome.warnings.push(...expiryWarning(sasExpiry(chosen.fileLocation), now));
    return outcome;
  }
  if (!chosen) {
    return noMatch(selection, settings);
  }
  const name = neutralize(chosen.name, 120);
  const decidingInstant = instantFor(chosen, criteria.newestBy)!;
  const age = ageInDays(decidingInstant, now);
  const outcome = chosenOutcome(selection, settings, now, `Newest backup: ${name}`);
  if (maxAgeDays !== undefined && age > maxAgeDays) {
    outcome.failure = new SelectionError(
      `The newest matching backup '${name}' is ${age.toFixed(1)} days old (${criteria.newestBy} ${isoSeconds(new Date(decidingInstant.epochMs))}), older than maxAgeDays (${maxAgeDays}).`,
      'Export a fresh backup in LCS (or run the export first), or raise maxAgeDays.',
    );
    return outcome;
  }
  if (maxAgeDays === undefined && age > STALE_AFTER_DAYS) {
    outcome.warnings.push(
      `The chosen backup '${name}' is ${formatAge(decidingInstant, now)} old (more than ${STALE_AFTER_DAYS} days); a refresh from a stale backup is usually a mistake. Set maxAgeDays to fail instead, or to silence this warning.`,
    );
  }
  outcome.warnings.push(...expiryWarning(sasExpiry(chosen.fileLocation), now));
  return outcome;
}
