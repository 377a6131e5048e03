import { strict as assert } from 'node:assert';
import { InputError } from '../../tasks/common/platform/errors';
import { parseHttpsUrl, parseProjectId } from '../../tasks/common/platform/inputs';
import { readSettings } from '../../tasks/LcsDatabaseBackupsV1/settings';
import { FakeInputs, source, settingsWith, assertInputError } from '../support/inputSource';

describe('inputs', () => {
  describe('parseProjectId / projectId input', () => {
    for (const bad of ['abc', '-5', '12.5', '0', '1e3', '', ' ', '00', '+5', '0x10', '1 234', '99999999999999999999']) {
      it(`rejects '${bad}' naming projectId and the fix`, () => {
        assertInputError(() => parseProjectId(bad), /'projectId'/, /positive whole number/, /LCS/);
        assertInputError(() => settingsWith({ projectId: bad }), /'projectId'/, /ProjectOverview/);
      });
    }

    it('accepts a plain positive integer', () => {
      assert.equal(parseProjectId('1234567'), 1234567);
      assert.equal(settingsWith({ projectId: '1234567' }).projectId, 1234567);
    });

    it('trims blanks', () => {
      assert.equal(parseProjectId(' 42 '), 42);
      assert.equal(settingsWith({ projectId: ' 42 ' }).projectId, 42);
    });

    it('rejects a missing projectId input', () => {
      assertInputError(() => readSettings(new FakeInputs({ lcsConnection: 'ep1' })), /'projectId'/);
    });

    it('validates before reading the connection (no endpoint touched for a bad project id)', () => {
      const s = source({ projectId: 'abc' });
      assert.throws(() => readSettings(s), InputError);
      assert.deepEqual(s.endpointReads, []);
    });
  });

  describe('parseHttpsUrl', () => {
    const field = 'Lifecycle Services API endpoint (apiurl)';
    const example = 'https://lcsapi.lcs.dynamics.com';

    it('removes the trailing slash(es)', () => {
      assert.equal(parseHttpsUrl('https://lcsapi.lcs.dynamics.com/', field, example), 'https://lcsapi.lcs.dynamics.com');
      assert.equal(
        parseHttpsUrl(' https://login.microsoftonline.com/contoso.onmicrosoft.com// ', field, example),
        'https://login.microsoftonline.com/contoso.onmicrosoft.com',
      );
    });

    it('normalizes the scheme and host case', () => {
      assert.equal(parseHttpsUrl('HTTPS://LCSAPI.EU.LCS.DYNAMICS.COM', field, example), 'https://lcsapi.eu.lcs.dynamics.com');
    });

    it('rejects http:// with a message about https', () => {
      assertInputError(() => parseHttpsUrl('http://lcsapi.lcs.dynamics.com', field, example), /apiurl/, /https:\/\//, /plain HTTP/);
    });

    for (const [label, value] of [
      ['empty', ''],
      ['blank', '  '],
      ['undefined', undefined],
      ['relative', 'lcsapi.lcs.dynamics.com'],
      ['a path only', '/databasemovement'],
      ['ftp', 'ftp://lcsapi.lcs.dynamics.com'],
      ['credentials', 'https://user:pw@lcsapi.lcs.dynamics.com'],
      ['a user name only', 'https://user@lcsapi.lcs.dynamics.com'],
      ['a query', 'https://lcsapi.lcs.dynamics.com/?x=1'],
      ['a fragment', 'https://lcsapi.lcs.dynamics.com/#top'],
    ] as [string, string | undefined][]) {
      it(`rejects ${label}, naming the field and the fix`, () => {
        assertInputError(() => parseHttpsUrl(value, field, example), /apiurl/, /https:\/\/lcsapi\.lcs\.dynamics\.com/);
      });
    }

    it('does not echo credentials from a rejected URL', () => {
      const error = assertInputError(() => parseHttpsUrl('http://user:secret@host.example/x', field, example));
      assert.doesNotMatch(error.userMessage, /secret/);
    });

    // The unparseable value is quoted so the user sees the typo; its user info is not.
    for (const value of [
      'https://user:secret@lcsapi.lcs.dynamics.com:99999',
      'https://user:secret@lcs api.example/x',
      'https:\\\\user:secret@lcs api.example',
      'https://us@er:sec@ret@lcs api.example',
    ]) {
      it(`quotes a URL it cannot parse without its user name and password: ${value}`, () => {
        const error = assertInputError(() => parseHttpsUrl(value, field, example), /is not an absolute URL/, /\*\*\*@/);
        assert.doesNotMatch(error.userMessage, /secret|user|sec@ret/);
      });
    }
  });
});
