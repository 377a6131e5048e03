import { strict as assert } from 'node:assert';
import { sourceRefused } from '../../../tasks/LcsDatabaseBackupCopyV1/copyRun';

describe('copyRun', () => {
  it("a failed copy's description tells a refused source from other failures", () => {
    assert.equal(sourceRefused('403 AuthenticationFailed "Server failed to authenticate the request."'), true);
    assert.equal(sourceRefused('CannotVerifyCopySource'), true);
    assert.equal(sourceRefused('500 InternalError "The copy source could not be read."'), false);
    assert.equal(sourceRefused(undefined), false);
  });
});
