/** LcsDatabaseOperationStatus@1's own inputs: which operation, and whether to wait. */
import { InputSource, parseGuid, trimmed } from '../common/inputs';
import { LcsSettings, readTaskSettings } from '../common/connection';
import { WaitSettings, readWaitSettings } from '../common/waitSettings';

export interface StatusSettings extends WaitSettings {
  environmentId: string;
  operationActivityId: string;
}

export type TaskSettings = LcsSettings & StatusSettings;

function readStatusSettings(source: InputSource): StatusSettings {
  return {
    environmentId: parseGuid(trimmed(source, 'environmentId'), 'environmentId', 'the environment the operation runs on (for a refresh: the target)'),
    operationActivityId: parseGuid(trimmed(source, 'operationActivityId'), 'operationActivityId', 'the operation\'s activity id'),
    ...readWaitSettings(source),
  };
}

export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readStatusSettings);
}
