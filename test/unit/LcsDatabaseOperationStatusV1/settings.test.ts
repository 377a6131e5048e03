import { strict as assert } from 'node:assert';
import { readSettings as readStatusSettings } from '../../../tasks/LcsDatabaseOperationStatusV1/settings';
import { source, assertInputError } from '../../support/inputSource';

const ENV = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';

const ACT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('LcsDatabaseOperationStatus@1 settings', () => {
  it('operation status: both ids are GUIDs', () => {
    assertInputError(() => readStatusSettings(source({ environmentId: ENV, operationActivityId: '42' })), /operationActivityId/);
    assert.equal(readStatusSettings(source({ environmentId: ENV, operationActivityId: ACT })).operationActivityId, ACT);
  });
});
