/**
 * LcsDatabaseBackups@1's own inputs (selection, age limit, outputs), read after the connection
 * inputs every LCS task shares. Pure apart from the InputSource it is given.
 */
import { InputSource, parseBoolean, trimmed } from '../common/platform/inputs';
import { LcsSettings, readTaskSettings } from '../common/lcs/connection';
import { SelectionInputs, readSelectionInputs } from '../common/backups/backupSelectionInputs';
import { DownloadSettings, readDownloadSettings } from './downloadSettings';

export interface BackupSettings extends SelectionInputs {
  failIfNoBackup: boolean;
  fileLocationIsSecret: boolean;
  download: DownloadSettings;
}

export type TaskSettings = LcsSettings & BackupSettings;

export { parseBackupId, parseMaxAgeDays } from '../common/backups/backupSelectionInputs';

function readBackupSettings(source: InputSource): BackupSettings {
  return {
    ...readSelectionInputs(source),
    failIfNoBackup: parseBoolean(trimmed(source, 'failIfNoBackup'), 'failIfNoBackup', true),
    fileLocationIsSecret: parseBoolean(trimmed(source, 'fileLocationIsSecret'), 'fileLocationIsSecret', true),
    download: readDownloadSettings(source),
  };
}

/** Everything the task needs, validated; the first bad value throws an InputError. */
export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readBackupSettings);
}
