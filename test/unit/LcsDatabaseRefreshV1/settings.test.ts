import { strict as assert } from 'node:assert';
import { readSettings as readRefreshSettings } from '../../../tasks/LcsDatabaseRefreshV1/settings';
import { source, assertInputError } from '../../support/inputSource';

const ENV = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';

const ENV2 = '1a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';

describe('LcsDatabaseRefresh@1 settings', () => {
  it('refresh: source and target must differ, compared case-insensitively', () => {
    assertInputError(() => readRefreshSettings(source({ sourceEnvironmentId: ENV, targetEnvironmentId: ENV.toUpperCase() })), /are the same environment/);
    // The same environment with and without dashes is the same environment.
    assertInputError(
      () => readRefreshSettings(source({ sourceEnvironmentId: ENV.replace(/-/g, '').toUpperCase(), targetEnvironmentId: ENV })),
      /are the same environment/,
    );
    assertInputError(() => readRefreshSettings(source({ sourceEnvironmentId: 'prod', targetEnvironmentId: ENV })), /sourceEnvironmentId/);
    const settings = readRefreshSettings(source({ sourceEnvironmentId: ENV, targetEnvironmentId: ENV2, waitForCompletion: 'false' }));
    assert.equal(settings.targetEnvironmentId, ENV2);
    assert.equal(settings.waitForCompletion, false);
  });
});
