/** LcsDatabaseOperationStatus@1's own inputs: which operation, and whether to wait. */
import { InputSource, parseLcsId, trimmed } from '../common/platform/inputs';
import { LcsSettings, readTaskSettings } from '../common/lcs/connection';
import { WaitSettings, readWaitSettings } from '../common/wait/waitSettings';

export interface StatusSettings extends WaitSettings {
  environmentId: string;
  operationActivityId: string;
}

export type TaskSettings = LcsSettings & StatusSettings;

function readStatusSettings(source: InputSource): StatusSettings {
  return {
    environmentId: parseLcsId(trimmed(source, 'environmentId'), 'environmentId', 'the environment the operation runs on (for a refresh: the target)'),
    operationActivityId: parseLcsId(trimmed(source, 'operationActivityId'), 'operationActivityId', "the operation's activity id"),
    ...readWaitSettings(source),
  };
}

export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readStatusSettings);
}
