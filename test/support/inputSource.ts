/** Task inputs without a pipeline: a fake InputSource with an LCS connection, and the check of an InputError. */
import { strict as assert } from 'node:assert';
import { InputError } from '../../tasks/common/platform/errors';
import type { InputSource, RawEndpoint } from '../../tasks/common/platform/inputs';
import { TaskSettings, readSettings } from '../../tasks/LcsDatabaseBackupsV1/settings';

export const CLIENT_ID = '12345678-90ab-cdef-1234-567890abcdef';

export function endpoint(overrides: Partial<RawEndpoint> = {}): RawEndpoint {
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
export class FakeInputs implements InputSource {
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

export function source(inputs: Record<string, string | undefined> = {}, endpoints?: Record<string, RawEndpoint>): FakeInputs {
  return new FakeInputs({ lcsConnection: 'ep1', projectId: '1234567', ...inputs }, endpoints);
}

/** LcsDatabaseBackups@1's settings from these inputs and connection fields. */
export function settingsWith(inputs: Record<string, string | undefined> = {}, ep: Partial<RawEndpoint> = {}): TaskSettings {
  return readSettings(source(inputs, { ep1: endpoint(ep) }));
}

/** Asserts an InputError whose one-line message matches every pattern. */
export function assertInputError(fn: () => unknown, ...patterns: RegExp[]): InputError {
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
