/**
 * LcsDatabaseExport@1's own inputs, read after the connection inputs every LCS task shares.
 */
import { InputError } from '../common/platform/errors';
import { InputSource, parseBoolean, parseLcsId, trimmed } from '../common/platform/inputs';
import { LcsSettings, readTaskSettings } from '../common/lcs/connection';
import { WaitSettings, readWaitSettings } from '../common/wait/waitSettings';

export interface ExportSettings extends WaitSettings {
  environmentId: string;
  backupName: string;
  fileLocationIsSecret: boolean;
}

export type TaskSettings = LcsSettings & ExportSettings;

export const MAX_BACKUP_NAME = 100;

/**
 * The backup name goes into the request path as one segment: it must be one. Anything LCS
 * itself may refuse beyond that is LCS's to say.
 */
export function parseBackupName(raw: string): string {
  const value = raw.trim();
  const fix = `Use a plain name of at most ${MAX_BACKUP_NAME} characters, e.g. UAT-$(Build.BuildNumber).`;
  if (!value) {
    throw new InputError("Input 'backupName' is empty: the backup needs a name in the asset library.", fix);
  }
  // eslint-disable-next-line no-control-regex
  const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
  const bad = /[/\\]/.test(value)
    ? 'a / or \\'
    : controlCharacter.test(value)
      ? 'a control character or line break'
      : value === '.' || value === '..'
        ? 'only dots'
        : undefined;
  if (bad) {
    throw new InputError(`Input 'backupName' cannot hold ${bad}: it becomes one segment of the request's URL.`, fix);
  }
  if (value.length > MAX_BACKUP_NAME) {
    throw new InputError(`Input 'backupName' is ${value.length} characters long; LCS takes at most ${MAX_BACKUP_NAME}.`, fix);
  }
  return value;
}

function readExportSettings(source: InputSource): ExportSettings {
  return {
    environmentId: parseLcsId(trimmed(source, 'environmentId'), 'environmentId', 'the id of the sandbox environment to export'),
    backupName: parseBackupName(trimmed(source, 'backupName')),
    ...readWaitSettings(source),
    fileLocationIsSecret: parseBoolean(trimmed(source, 'fileLocationIsSecret'), 'fileLocationIsSecret', true),
  };
}

export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readExportSettings);
}
