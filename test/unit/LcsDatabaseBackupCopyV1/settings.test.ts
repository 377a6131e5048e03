import { strict as assert } from 'node:assert';
import { InputError } from '../../../tasks/common/platform/errors';
import { parseCopyPollSeconds } from '../../../tasks/LcsDatabaseBackupCopyV1/settings';

describe('LcsDatabaseBackupCopy@1 settings', () => {
  it('pollIntervalSeconds: decimals from 0.1 to 3600, default 10', () => {
    assert.equal(parseCopyPollSeconds(''), 10);
    assert.equal(parseCopyPollSeconds('0.5'), 0.5);
    for (const bad of ['0', '0.05', '3601', 'abc', '-1']) assert.throws(() => parseCopyPollSeconds(bad), InputError, bad);
  });
});
