/**
 * LcsDatabaseRefresh@1's own inputs. A refresh overwrites the target's database, so the two ids
 * are checked hard before any request: both ids (GUIDs, with or without dashes), and not the same environment.
 */
import { InputError } from '../common/platform/errors';
import { InputSource, parseLcsId, sameId, trimmed } from '../common/platform/inputs';
import { LcsSettings, readTaskSettings } from '../common/lcs/connection';
import { WaitSettings, readWaitSettings } from '../common/wait/waitSettings';

export interface RefreshSettings extends WaitSettings {
  sourceEnvironmentId: string;
  targetEnvironmentId: string;
}

export type TaskSettings = LcsSettings & RefreshSettings;

function readRefreshSettings(source: InputSource): RefreshSettings {
  const sourceEnvironmentId = parseLcsId(trimmed(source, 'sourceEnvironmentId'), 'sourceEnvironmentId', 'the id of the environment whose database is copied');
  const targetEnvironmentId = parseLcsId(trimmed(source, 'targetEnvironmentId'), 'targetEnvironmentId', 'the id of the sandbox whose database is replaced');
  // One environment may be written with or without dashes, in any case.
  if (sameId(sourceEnvironmentId, targetEnvironmentId)) {
    throw new InputError(
      `Inputs 'sourceEnvironmentId' and 'targetEnvironmentId' are the same environment (${targetEnvironmentId}): a refresh copies one environment's database over another's.`,
      'Set targetEnvironmentId to the sandbox to overwrite, and sourceEnvironmentId to the environment to copy from.',
    );
  }
  return { sourceEnvironmentId, targetEnvironmentId, ...readWaitSettings(source) };
}

export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readRefreshSettings);
}
