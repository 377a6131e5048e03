import { strict as assert } from 'node:assert';
import { InputError } from '../../../tasks/common/platform/errors';
import { RawEndpoint, parseBoolean, parseSeconds } from '../../../tasks/common/platform/inputs';
import { parseBackupId, parseMaxAgeDays, readSettings } from '../../../tasks/LcsDatabaseBackupsV1/settings';
import { endpoint, FakeInputs, source, settingsWith, assertInputError } from '../../support/inputSource';

describe('LcsDatabaseBackups@1 settings', () => {
  describe('readSettings', () => {
    it('applies the defaults', () => {
      const s = settingsWith();
      assert.equal(s.connection.kind, 'databaseMovement');
      assert.equal(s.connection.inputName, 'lcsConnection');
      assert.equal(s.projectId, 1234567);
      assert.deepEqual(s.criteria, { namePatterns: [], fileNamePatterns: [], newestBy: 'created', backupId: undefined });
      assert.equal(s.maxAgeDays, undefined);
      assert.equal(s.failIfNoBackup, true);
      assert.equal(s.fileLocationIsSecret, true);
      assert.equal(s.requestTimeoutMs, 100_000);
      assert.equal(s.retryBudgetMs, 300_000);
    });

    it('reads the finOpsTools connection type (case-insensitive)', () => {
      const s = readSettings(new FakeInputs({ connectionType: 'FinOpsTools', finOpsToolsConnection: 'ep2', projectId: '5' }, { ep2: endpoint() }));
      assert.equal(s.connection.kind, 'finOpsTools');
      assert.equal(s.connection.inputName, 'finOpsToolsConnection');
    });

    it('names the empty finOpsToolsConnection input when that type is chosen', () => {
      assertInputError(() => settingsWith({ connectionType: 'finOpsTools' }), /'finOpsToolsConnection'/);
    });

    it('rejects an unknown connectionType', () => {
      assertInputError(() => settingsWith({ connectionType: 'azureRM' }), /'connectionType'/, /databaseMovement, finOpsTools/);
    });

    it('reads the filters, one pattern a line', () => {
      const s = settingsWith({ nameFilter: 'UAT*\r\n\r\n QA* ', fileNameFilter: '*.bacpac\n' });
      assert.deepEqual(s.criteria.namePatterns, ['UAT*', 'QA*']);
      assert.deepEqual(s.criteria.fileNamePatterns, ['*.bacpac']);
    });

    it('reads newestBy and rejects other values', () => {
      assert.equal(settingsWith({ newestBy: 'modified' }).criteria.newestBy, 'modified');
      assert.equal(settingsWith({ newestBy: 'Modified' }).criteria.newestBy, 'modified');
      assert.equal(settingsWith({ newestBy: 'created' }).criteria.newestBy, 'created');
      assertInputError(() => settingsWith({ newestBy: 'newest' }), /'newestBy'/, /created, modified/);
    });

    it('converts requestTimeoutSeconds and retryBudgetSeconds to milliseconds', () => {
      const s = settingsWith({ requestTimeoutSeconds: '30', retryBudgetSeconds: '600' });
      assert.equal(s.requestTimeoutMs, 30_000);
      assert.equal(s.retryBudgetMs, 600_000);
      assert.equal(settingsWith({ requestTimeoutSeconds: '2.5' }).requestTimeoutMs, 2500);
    });

    it('allows a retry budget of 0 (no retries)', () => {
      assert.equal(settingsWith({ retryBudgetSeconds: '0' }).retryBudgetMs, 0);
    });

    it('rejects a request timeout of 0', () => {
      assertInputError(() => settingsWith({ requestTimeoutSeconds: '0' }), /'requestTimeoutSeconds'/, /greater than 0/);
    });

    for (const [input, value] of [
      ['requestTimeoutSeconds', 'abc'],
      ['requestTimeoutSeconds', '-1'],
      ['requestTimeoutSeconds', '1e3'],
      ['requestTimeoutSeconds', '86401'],
      ['retryBudgetSeconds', 'abc'],
      ['retryBudgetSeconds', '-5'],
      ['retryBudgetSeconds', '5 min'],
      ['retryBudgetSeconds', 'Infinity'],
    ]) {
      it(`rejects ${input} '${value}', naming the input and the default`, () => {
        assertInputError(() => settingsWith({ [input]: value }), new RegExp(`'${input}'`), /seconds/, /default/);
      });
    }

    it('parseSeconds returns the default for empty input', () => {
      assert.equal(parseSeconds('', 'x', 100, false), 100);
      assert.equal(parseSeconds('  ', 'x', 300, true), 300);
      assert.equal(parseSeconds('0', 'x', 300, true), 0);
      assert.equal(parseSeconds('86400', 'x', 300, true), 86400);
    });

    describe('backupId', () => {
      it('reads an Id as LCS lists it, trimmed and in its own case; empty means none', () => {
        assert.equal(settingsWith({ backupId: ' EE749BE5-7504-4b03-81cc-1daad9cb11c2 ' }).criteria.backupId, 'EE749BE5-7504-4b03-81cc-1daad9cb11c2');
        assert.equal(settingsWith({ backupId: '' }).criteria.backupId, undefined);
        assert.equal(settingsWith({ backupId: '   ' }).criteria.backupId, undefined);
        assert.equal(parseBackupId('backup-42'), 'backup-42');
      });

      for (const bad of ['ee749be5 7504', '../etc/passwd', '-leading-dash', 'a;rm -rf /', '##vso[task.complete]', 'x'.repeat(65), 'id`whoami`']) {
        it(`rejects '${bad.slice(0, 30)}', naming backupId and how to fix it`, () => {
          const error = assertInputError(() => settingsWith({ backupId: bad }), /'backupId'/, /Id of a database backup/, /leave backupId empty/);
          assert.doesNotMatch(error.userMessage, /##vso\[/);
        });
      }

      it('says when a variable was not expanded (the usual mistake when passing it between jobs)', () => {
        assertInputError(
          () => settingsWith({ backupId: '$(backupId)' }),
          /'backupId' is '\$\(backupId\)'/,
          /not expanded/,
          /dependencies/,
          /leave backupId empty/,
        );
      });

      it('says so for every input, not only backupId (projectId: copy it from LCS)', () => {
        assertInputError(
          () => settingsWith({ projectId: '$(LcsProjectId)' }),
          /'projectId' is '\$\(LcsProjectId\)'/,
          /not expanded/,
          /copy the project id from LCS/,
        );
        assertInputError(() => settingsWith({ maxAgeDays: '$(days)' }), /'maxAgeDays'/, /\$\(days\) was not expanded/, /dependencies/);
        assertInputError(() => settingsWith({ requestTimeoutSeconds: ' $(t) ' }), /'requestTimeoutSeconds'/, /not expanded/);
      });

      it('is checked before the connection is read (before any request)', () => {
        const s = source({ backupId: 'not an id' });
        assert.throws(() => readSettings(s), InputError);
        assert.deepEqual(s.endpointReads, []);
      });
    });

    it('reads maxAgeDays with decimals', () => {
      assert.equal(settingsWith({ maxAgeDays: '1.5' }).maxAgeDays, 1.5);
      assert.equal(settingsWith({ maxAgeDays: ' 7 ' }).maxAgeDays, 7);
      assert.equal(settingsWith({ maxAgeDays: '' }).maxAgeDays, undefined);
      assert.equal(parseMaxAgeDays('0.25'), 0.25);
    });

    for (const value of ['0', '0.0', '-1', 'abc', '1e2', '.5', '7 days']) {
      it(`rejects maxAgeDays '${value}'`, () => {
        assertInputError(() => settingsWith({ maxAgeDays: value }), /'maxAgeDays'/, /greater than 0/, /empty for no age limit/);
      });
    }

    it('reads booleans, defaulting to true', () => {
      const off = settingsWith({ failIfNoBackup: 'false', fileLocationIsSecret: 'FALSE' });
      assert.equal(off.failIfNoBackup, false);
      assert.equal(off.fileLocationIsSecret, false);
      const on = settingsWith({ failIfNoBackup: 'True', fileLocationIsSecret: ' true ' });
      assert.equal(on.failIfNoBackup, true);
      assert.equal(on.fileLocationIsSecret, true);
      assert.equal(parseBoolean('', 'x', true), true);
      assert.equal(parseBoolean('', 'x', false), false);
    });

    for (const input of ['failIfNoBackup', 'fileLocationIsSecret']) {
      it(`rejects a non-boolean ${input}`, () => {
        assertInputError(() => settingsWith({ [input]: 'yes' }), new RegExp(`'${input}'`), /true or false/);
      });
    }

    it('names the input in every InputError it raises', () => {
      const cases: [Record<string, string>, Partial<RawEndpoint>, RegExp][] = [
        [{ connectionType: 'x' }, {}, /connectionType/],
        [{ projectId: 'x' }, {}, /projectId/],
        [{ newestBy: 'x' }, {}, /newestBy/],
        [{ maxAgeDays: 'x' }, {}, /maxAgeDays/],
        [{ failIfNoBackup: 'x' }, {}, /failIfNoBackup/],
        [{ fileLocationIsSecret: 'x' }, {}, /fileLocationIsSecret/],
        [{ requestTimeoutSeconds: 'x' }, {}, /requestTimeoutSeconds/],
        [{ retryBudgetSeconds: 'x' }, {}, /retryBudgetSeconds/],
        [{ lcsConnection: '' }, {}, /lcsConnection/],
        [{}, { scheme: 'Token' }, /lcsConnection/],
        [{}, { username: '' }, /lcsConnection/],
        [{}, { password: '' }, /lcsConnection/],
        [{}, { clientId: '' }, /lcsConnection/],
        // Connection URL fields are named by the connection field they come from.
        [{}, { url: 'http://login.microsoftonline.com/organizations' }, /authentication endpoint \(URL\)/],
        [{}, { url: 'https://login.microsoftonline.com' }, /authentication endpoint/],
        [{}, { apiUrl: 'http://lcsapi.lcs.dynamics.com' }, /apiurl/],
        [{}, { clientId: 'nope' }, /application \(client\) id/],
      ];
      for (const [inputs, ep, pattern] of cases) {
        const error = assertInputError(() => settingsWith(inputs, ep), pattern);
        assert.ok(error.message.length > 20, error.message);
      }
    });
  });
});
