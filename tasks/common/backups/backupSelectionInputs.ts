/**
 * The inputs that choose a backup, shared by LcsDatabaseBackups@1 and LcsDatabaseBackupCopy@1:
 * backupId, nameFilter, fileNameFilter, newestBy, maxAgeDays. Pure apart from the InputSource.
 */
import { SAFE_ID } from '../lcs/databaseAssets';
import { InputError } from '../platform/errors';
import { neutralize } from '../text/sanitize';
import { InputSource, parseChoice, trimmed } from '../platform/inputs';
import { NewestBy, SelectionCriteria, parsePatterns } from './backupSelection';

export interface SelectionInputs {
  criteria: SelectionCriteria;
  /** Undefined: no limit (the task only warns about backups older than 30 days). */
  maxAgeDays?: number;
}

export function parseMaxAgeDays(raw: string): number | undefined {
  const value = raw.trim();
  if (!value) {
    return undefined;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) {
    throw new InputError(
      `Input 'maxAgeDays' must be a number of days greater than 0, such as 7 or 1.5; got '${value.slice(0, 40)}'.`,
      'Leave it empty for no age limit.',
    );
  }
  return n;
}

/**
 * `backupId`: empty, or an Id as LCS lists it. Checked here, before any request. It is the one
 * input usually filled from another job's output, so an unexpanded `$(variable)` gets its own
 * message rather than "not an Id".
 */
export function parseBackupId(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) {
    return undefined;
  }
  if (/^\$\(.*\)$/.test(value)) {
    throw new InputError(
      `Input 'backupId' is '${neutralize(value, 80)}': the variable was not expanded, so it is not defined in this job.`,
      "Map the other job's output into a variable of this job (variables: with $[ dependencies.<job>.outputs['<step>.BackupId'] ]), or leave backupId empty to choose the newest matching backup.",
    );
  }
  if (!SAFE_ID.test(value)) {
    throw new InputError(
      `Input 'backupId' must be the Id of a database backup as LCS lists it, such as ee749be5-7504-4b03-81cc-1daad9cb11c2 (letters, digits and dashes); got '${neutralize(value, 60)}'.`,
      'Use the BackupId output of an earlier run, or leave backupId empty to choose the newest matching backup.',
    );
  }
  return value;
}

/** backupId, the filters, newestBy and maxAgeDays, validated. */
export function readSelectionInputs(source: InputSource): SelectionInputs {
  const newestBy: NewestBy = parseChoice(trimmed(source, 'newestBy'), 'newestBy', ['created', 'modified'] as const, 'created');
  return {
    criteria: {
      namePatterns: parsePatterns(source.getInput('nameFilter')),
      fileNamePatterns: parsePatterns(source.getInput('fileNameFilter')),
      newestBy,
      backupId: parseBackupId(trimmed(source, 'backupId')),
    },
    maxAgeDays: parseMaxAgeDays(trimmed(source, 'maxAgeDays')),
  };
}
