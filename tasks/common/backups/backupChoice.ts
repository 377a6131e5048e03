/**
 * What a task concludes from a selection before it publishes or copies anything: the lines, the
 * warnings (stale backup, download URL about to expire), the failure (none matched, the Id is
 * not listed, older than maxAgeDays) and the result message. Shared by LcsDatabaseBackups@1 and
 * LcsDatabaseBackupCopy@1; a pure function of (selection, settings, now).
 */
import { sasExpiry } from '../lcs/databaseAssets';
import { SelectionError, TaskFailure } from '../platform/errors';
import { neutralize } from '../text/sanitize';
import { ageInDays, isoSeconds } from '../text/time';
import { Selection, SelectionCriteria, decidingInstant } from './backupSelection';
import { chosenLine, describeFilters, formatAge } from './backupSelectionReport';

/** Warn about a chosen backup older than this when no maxAgeDays is set. */
export const STALE_AFTER_DAYS = 30;
/** Warn when the download URL expires sooner than this. */
export const EXPIRY_WARNING_MS = 2 * 60 * 60 * 1000;

export interface ChoiceSettings {
  projectId: number;
  criteria: SelectionCriteria;
  /** Undefined: no limit (only a warning about backups older than STALE_AFTER_DAYS). */
  maxAgeDays?: number;
  /** False: no match is a warning (LcsDatabaseBackups@1's failIfNoBackup); a task that needs a backup passes true. */
  failIfNoBackup: boolean;
  /** False: no warning that the download URL expires soon (a task that renews it itself). Default true. */
  warnOfExpiry?: boolean;
}

export interface Choice {
  /** Lines for the log, before the warnings. */
  lines: string[];
  warnings: string[];
  /** When set, the task fails with it. */
  failure?: TaskFailure;
  result: { status: 'succeeded' | 'succeededWithIssues'; message: string };
}

function noMatch(selection: Selection, settings: ChoiceSettings): Choice {
  const what = `No database backup in LCS project ${settings.projectId} matched (${selection.listedCount} listed; ${describeFilters(settings.criteria)}${selection.skippedCount ? `; ${selection.skippedCount} skipped` : ''}).`;
  const fix = 'Check the name and file name filters against the Asset library > Database backup list in LCS, or export a new backup.';
  return {
    lines: [],
    warnings: settings.failIfNoBackup ? [] : [`${what} BackupCount is 0 (failIfNoBackup is false).`],
    failure: settings.failIfNoBackup ? new SelectionError(what, fix) : undefined,
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

function expiryWarnings(settings: ChoiceSettings, fileLocation: string, now: number): string[] {
  return settings.warnOfExpiry === false ? [] : expiryWarning(sasExpiry(fileLocation), now);
}

/**
 * backupId named a backup that is not there, or not usable. Always a failure, whatever
 * failIfNoBackup says: the run was asked for one backup, and another would be a wrong answer.
 */
function idNotFound(selection: Selection, settings: ChoiceSettings, backupId: string): Choice {
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
  return { lines: [], warnings: [], failure, result: { status: 'succeededWithIssues', message: failure.message } };
}

function chosenChoice(selection: Selection, settings: ChoiceSettings, now: number, message: string): Choice {
  return { lines: [chosenLine(selection, settings.criteria, now)], warnings: [], result: { status: 'succeeded', message } };
}

/** The judgement of a run that listed `selection` at `now`. */
export function decideChoice(selection: Selection, settings: ChoiceSettings, now: number): Choice {
  const chosen = selection.chosen;
  const { criteria, maxAgeDays } = settings;
  if (criteria.backupId) {
    if (!chosen) {
      return idNotFound(selection, settings, criteria.backupId);
    }
    // Chosen by hand: no age limit or staleness judgement, only whether it can still be downloaded.
    const choice = chosenChoice(selection, settings, now, `Backup chosen by id: ${neutralize(chosen.name, 120)}`);
    choice.warnings.push(...expiryWarnings(settings, chosen.fileLocation, now));
    return choice;
  }
  if (!chosen) {
    return noMatch(selection, settings);
  }
  const name = neutralize(chosen.name, 120);
  const decidedBy = decidingInstant(chosen, criteria.newestBy);
  const age = ageInDays(decidedBy, now);
  const choice = chosenChoice(selection, settings, now, `Newest backup: ${name}`);
  if (maxAgeDays !== undefined && age > maxAgeDays) {
    choice.failure = new SelectionError(
      `The newest matching backup '${name}' is ${age.toFixed(1)} days old (${criteria.newestBy} ${isoSeconds(new Date(decidedBy.epochMs))}), older than maxAgeDays (${maxAgeDays}).`,
      'Export a fresh backup in LCS (or run the export first), or raise maxAgeDays.',
    );
    return choice;
  }
  if (maxAgeDays === undefined && age > STALE_AFTER_DAYS) {
    choice.warnings.push(
      `The chosen backup '${name}' is ${formatAge(decidedBy, now)} old (more than ${STALE_AFTER_DAYS} days); a refresh from a stale backup is usually a mistake. Set maxAgeDays to fail instead, or to silence this warning.`,
    );
  }
  choice.warnings.push(...expiryWarnings(settings, chosen.fileLocation, now));
  return choice;
}
