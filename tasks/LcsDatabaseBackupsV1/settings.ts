/**
 * LcsDatabaseBackups@1's own inputs (selection, age limit, outputs), read after the connection
 * inputs every LCS task shares. Pure apart from the InputSource it is given.
 */
import { SAFE_ID } from '../common/databaseAssets';
import { InputError } from '../common/errors';
import { neutralize } from '../common/sanitize';
import { InputSource, parseBoolean, parseChoice, trimmed } from '../common/inputs';
import { LcsSettings, readTaskSettings } from '../common/connection';
import { NewestBy, SelectionCriteria, parsePatterns } from './selection';
import { DownloadSettings, readDownloadSettings } from './downloadSettings';

export interface BackupSettings {
  criteria: SelectionCriteria;
  /** Undefined: no limit (the task only warns about backups older than 30 days). */
  maxAgeDays?: number;
  failIfNoBackup: boolean;
  fileLocationIsSecret: boolean;
  download: DownloadSettings;
}

export type TaskSettings = LcsSettings & BackupSettings;

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
      'Map the other job\'s output into a variable of this job (variables: with $[ dependencies.<job>.outputs[\'<step>.BackupId\'] ]), or leave backupId empty to choose the newest matching backup.',
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

function readBackupSettings(source: InputSource): BackupSettings {
  const newestBy: NewestBy = parseChoice(trimmed(source, 'newestBy'), 'newestBy', ['created', 'modified'] as const, 'created');
  return {
    criteria: {
      namePatterns: parsePatterns(source.getInput('nameFilter')),
      fileNamePatterns: parsePatterns(source.getInput('fileNameFilter')),
      newestBy,
      backupId: parseBackupId(trimmed(source, 'backupId')),
    },
    maxAgeDays: parseMaxAgeDays(trimmed(source, 'maxAgeDays')),
    failIfNoBackup: parseBoolean(trimmed(source, 'failIfNoBackup'), 'failIfNoBackup', true),
    fileLocationIsSecret: parseBoolean(trimmed(source, 'fileLocationIsSecret'), 'fileLocationIsSecret', true),
    download: readDownloadSettings(source),
  };
}

/** Everything the task needs, validated; the first bad value throws an InputError. */
export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readBackupSettings);
}
