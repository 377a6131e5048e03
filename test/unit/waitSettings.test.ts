import { strict as assert } from 'node:assert';
import { parsePollIntervalSeconds, parseTimeoutMinutes } from '../../tasks/common/wait/waitSettings';
import { assertInputError } from '../support/inputSource';

describe('waitSettings', () => {
  it('timeoutMinutes: positive, decimals allowed, 360 by default', () => {
    assert.equal(parseTimeoutMinutes(''), 360);
    assert.equal(parseTimeoutMinutes('0.5'), 0.5);
    for (const bad of ['0', '-1', 'abc', '1e3', '20000']) assertInputError(() => parseTimeoutMinutes(bad), /timeoutMinutes/);
  });

  it('pollIntervalSeconds: a whole number from 1, 60 by default', () => {
    assert.equal(parsePollIntervalSeconds(''), 60);
    assert.equal(parsePollIntervalSeconds('1'), 1);
    for (const bad of ['0', '1.5', 'x', '3601']) assertInputError(() => parsePollIntervalSeconds(bad), /pollIntervalSeconds/);
  });
});
