import { strict as assert } from 'node:assert';
import { InputError } from '../../tasks/common/platform/errors';
import { InputSource, RawEndpoint, parseBoolean, parseHttpsUrl, parseProjectId, parseSeconds } from '../../tasks/common/platform/inputs';
import { CONNECTION_INPUTS, readConnection } from '../../tasks/common/lcs/connection';
import { TaskSettings, parseBackupId, parseMaxAgeDays, readSettings } from '../../tasks/LcsDatabaseBackupsV1/settings';

const CLIENT_ID = '12345678-90ab-cdef-1234-567890abcdef';

function endpoint(overrides: Partial<RawEndpoint> = {}): RawEndpoint {
  return {
    url: 'https://login.microsoftonline.com/organizations',
    apiUrl: 'https://lcsapi.lcs.dynamics.com',
    scheme: 'UsernamePassword',
    username: 'lcs-pipeline@contoso.com',
    password: 'p@ss word',
    clientId: CLIENT_ID,
    ...overrides,
  };
}

/** A fake InputSource: inputs by name, endpoints by id; records which endpoint ids were read. */
class FakeInputs implements InputSource {
  readonly endpointReads: string[] = [];

  constructor(
    private readonly inputs: Record<string, string | undefined>,
    private readonly endpoints: Record<string, RawEndpoint> = { ep1: endpoint() },
  ) {}

  getInput(name: string): string | undefined {
    return this.inputs[name];
  }

  getEndpoint(id: string): RawEndpoint {
    this.endpointReads.push(id);
    return this.endpoints[id] ?? {};
  }
}

function source(inputs: Record<string, string | undefined> = {}, endpoints?: Record<string, RawEndpoint>): FakeInputs {
  return new FakeInputs({ lcsConnection: 'ep1', projectId: '1234567', ...inputs }, endpoints);
}

function settingsWith(inputs: Record<string, string | undefined> = {}, ep: Partial<RawEndpoint> = {}): TaskSettings {
  return readSettings(source(inputs, { ep1: endpoint(ep) }));
}

/** Asserts an InputError whose one-line message matches every pattern. */
function assertInputError(fn: () => unknown, ...patterns: RegExp[]): InputError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  for (const pattern of patterns) {
    assert.match(caught.userMessage, pattern);
  }
  return caught;
}

describe('settings', () => {
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
      assert.equal(parseHttpsUrl(' https://login.microsoftonline.com/contoso.onmicrosoft.com// ', field, example), 'https://login.microsoftonline.com/contoso.onmicrosoft.com');
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

  describe('readConnection', () => {
    it('reads a Database Movement connection from lcsConnection', () => {
      const s = source({}, { ep1: endpoint({ url: 'https://login.microsoftonline.com/organizations/', apiUrl: 'https://lcsapi.eu.lcs.dynamics.com/' }) });
      const c = readConnection(s, 'databaseMovement');
      assert.deepEqual(c, {
        kind: 'databaseMovement',
        inputName: 'lcsConnection',
        endpointId: 'ep1',
        authority: 'https://login.microsoftonline.com/organizations',
        apiUrl: 'https://lcsapi.eu.lcs.dynamics.com',
        username: 'lcs-pipeline@contoso.com',
        password: 'p@ss word',
        clientId: CLIENT_ID,
      });
      assert.deepEqual(s.endpointReads, ['ep1']);
    });

    it('reads a Finance and Operations Tools connection from finOpsToolsConnection', () => {
      const s = new FakeInputs({ lcsConnection: 'wrong', finOpsToolsConnection: ' ep2 ' }, { ep2: endpoint(), wrong: {} });
      const c = readConnection(s, 'finOpsTools');
      assert.equal(c.kind, 'finOpsTools');
      assert.equal(c.inputName, 'finOpsToolsConnection');
      assert.equal(c.endpointId, 'ep2');
      assert.deepEqual(s.endpointReads, ['ep2']);
      assert.equal(CONNECTION_INPUTS.finOpsTools.input, 'finOpsToolsConnection');
    });

    it('names the empty connection input', () => {
      assertInputError(() => readConnection(new FakeInputs({}), 'databaseMovement'), /'lcsConnection'/, /empty/, /Service connections/);
      assertInputError(() => readConnection(new FakeInputs({ finOpsToolsConnection: '  ' }), 'finOpsTools'), /'finOpsToolsConnection'/, /finOpsTools/);
    });

    it('accepts the UsernamePassword scheme in any case, and no scheme', () => {
      for (const scheme of ['UsernamePassword', 'usernamepassword', 'USERNAMEPASSWORD', ' UsernamePassword ', '', undefined]) {
        assert.equal(readConnection(source({}, { ep1: endpoint({ scheme }) }), 'databaseMovement').username, 'lcs-pipeline@contoso.com');
      }
    });

    for (const scheme of ['ServicePrincipal', 'Token', 'None', 'OAuth']) {
      it(`rejects the ${scheme} scheme`, () => {
        assertInputError(
          () => readConnection(source({}, { ep1: endpoint({ scheme }) }), 'databaseMovement'),
          /'lcsConnection'/,
          new RegExp(scheme),
          /username and password/,
        );
      });
    }

    it('requires an authority with a tenant in its path', () => {
      for (const url of ['https://login.microsoftonline.com', 'https://login.microsoftonline.com/', 'https://login.microsoftonline.com//']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ url }) }), 'databaseMovement'), /no tenant/, /organizations/);
      }
    });

    it('accepts a tenant id or domain as the authority path', () => {
      const tenant = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47';
      assert.equal(readConnection(source({}, { ep1: endpoint({ url: tenant }) }), 'databaseMovement').authority, tenant);
      const national = 'https://login.microsoftonline.us/contoso.onmicrosoft.us';
      assert.equal(readConnection(source({}, { ep1: endpoint({ url: national }) }), 'databaseMovement').authority, national);
    });

    it('rejects an http:// authentication endpoint, naming the field and https', () => {
      assertInputError(
        () => readConnection(source({}, { ep1: endpoint({ url: 'http://login.microsoftonline.com/organizations' }) }), 'databaseMovement'),
        /authentication endpoint/,
        /https:\/\//,
      );
    });

    it('rejects an http:// API URL, naming the field and https', () => {
      assertInputError(
        () => readConnection(source({}, { ep1: endpoint({ apiUrl: 'http://lcsapi.lcs.dynamics.com' }) }), 'databaseMovement'),
        /apiurl/,
        /https:\/\//,
      );
    });

    it('rejects a missing API URL', () => {
      assertInputError(() => readConnection(source({}, { ep1: endpoint({ apiUrl: undefined }) }), 'databaseMovement'), /no Lifecycle Services API endpoint \(apiurl\)/);
    });

    it('requires a username', () => {
      for (const username of [undefined, '', '   ']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ username }) }), 'databaseMovement'), /'lcsConnection'/, /no username/);
      }
    });

    it('trims the username but keeps the password as given', () => {
      const c = readConnection(source({}, { ep1: endpoint({ username: ' u@contoso.com ', password: ' pw ' }) }), 'databaseMovement');
      assert.equal(c.username, 'u@contoso.com');
      assert.equal(c.password, ' pw ');
    });

    it('requires a password', () => {
      for (const password of [undefined, '']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ password }) }), 'databaseMovement'), /'lcsConnection'/, /no password/);
      }
    });

    it('requires a client id', () => {
      for (const clientId of [undefined, '', '  ']) {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ clientId }) }), 'databaseMovement'), /'lcsConnection'/, /no application \(client\) id/);
      }
    });

    for (const clientId of ['not-a-guid', '12345678-90ab-cdef-1234-567890abcde', '{12345678-90ab-cdef-1234-567890abcdef}', '1234567890abcdef1234567890abcdef', '12345678-90ab-cdef-1234-567890abcdeg']) {
      it(`rejects the client id '${clientId}'`, () => {
        assertInputError(() => readConnection(source({}, { ep1: endpoint({ clientId }) }), 'databaseMovement'), /application \(client\) id/, /not a GUID/, /Application \(client\) ID/);
      });
    }

    it('accepts an upper-case GUID with blanks around it', () => {
      assert.equal(readConnection(source({}, { ep1: endpoint({ clientId: ` ${CLIENT_ID.toUpperCase()} ` }) }), 'databaseMovement').clientId, CLIENT_ID.toUpperCase());
    });

    it('never puts the password in a message', () => {
      const error = assertInputError(() => readConnection(source({}, { ep1: endpoint({ password: 'Hunter2-secret', clientId: 'bad' }) }), 'databaseMovement'));
      assert.doesNotMatch(error.userMessage, /Hunter2/);
    });
  });

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
        assertInputError(() => settingsWith({ backupId: '$(backupId)' }), /'backupId' is '\$\(backupId\)'/, /not expanded/, /dependencies/, /leave backupId empty/);
      });

      it('says so for every input, not only backupId (projectId: copy it from LCS)', () => {
        assertInputError(() => settingsWith({ projectId: '$(LcsProjectId)' }), /'projectId' is '\$\(LcsProjectId\)'/, /not expanded/, /copy the project id from LCS/);
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
