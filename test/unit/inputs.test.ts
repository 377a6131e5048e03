import { strict as assert } from 'node:assert';
import { InputError } from '../../tasks/common/platform/errors';
import { InputSource, RawEndpoint, parseHttpsUrl, parseProjectId } from '../../tasks/common/platform/inputs';
import { TaskSettings, readSettings } from '../../tasks/LcsDatabaseBackupsV1/settings';

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
});
