/**
 * Reads and validates everything the task needs before it makes a single request. Pure apart
 * from the InputSource it is given, so it is tested without the agent.
 */
import { InputError } from './errors';
import { NewestBy, SelectionCriteria, parsePatterns } from './backups';

/** What the agent hands over for one service connection. */
export interface RawEndpoint {
  url?: string;
  apiUrl?: string;
  scheme?: string;
  username?: string;
  password?: string;
  clientId?: string;
}

/** The task's view of its inputs; the real one wraps azure-pipelines-task-lib. */
export interface InputSource {
  getInput(name: string): string | undefined;
  getEndpoint(id: string): RawEndpoint;
}

export type ConnectionKind = 'databaseMovement' | 'finOpsTools';

export interface LcsConnection {
  kind: ConnectionKind;
  /** The task input that named the connection. */
  inputName: string;
  endpointId: string;
  /** Entra authority, e.g. https://login.microsoftonline.com/organizations (no trailing slash). */
  authority: string;
  /** LCS API base URL, e.g. https://lcsapi.lcs.dynamics.com (no trailing slash). */
  apiUrl: string;
  username: string;
  password: string;
  clientId: string;
}

export interface TaskSettings {
  connection: LcsConnection;
  projectId: number;
  criteria: SelectionCriteria;
  /** Undefined: no limit (the task only warns about backups older than 30 days). */
  maxAgeDays?: number;
  failIfNoBackup: boolean;
  fileLocationIsSecret: boolean;
  requestTimeoutMs: number;
  retryBudgetMs: number;
}

export const CONNECTION_INPUTS: Record<ConnectionKind, { input: string; label: string }> = {
  databaseMovement: { input: 'lcsConnection', label: 'Dynamics Lifecycle Services (Database Movement)' },
  finOpsTools: { input: 'finOpsToolsConnection', label: 'Dynamics Lifecycle Services (Finance and Operations Tools)' },
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function trimmed(source: InputSource, name: string): string {
  return (source.getInput(name) ?? '').trim();
}

/** A positive whole number written in plain digits: rejects `abc`, `-5`, `12.5`, `0`, `1e3`. */
export function parseProjectId(raw: string): number {
  const value = raw.trim();
  if (!/^[0-9]+$/.test(value) || /^0+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InputError(
      `Input 'projectId' must be the LCS project's id, a positive whole number such as 1234567; got '${value.slice(0, 40)}'.`,
      'Copy the number from the project\'s URL in LCS (https://lcs.dynamics.com/V2/ProjectOverview/<id>).',
    );
  }
  return Number(value);
}

/**
 * An absolute https:// URL without credentials, query or fragment, returned without its
 * trailing slash. A token must never travel over plain HTTP.
 */
export function parseHttpsUrl(raw: string | undefined, field: string, example: string, owner = 'service connection'): string {
  const value = (raw ?? '').trim();
  const fix = `Set the service connection's ${field} to an https:// URL such as ${example}.`;
  if (!value) {
    throw new InputError(`The ${owner} has no ${field}.`, fix);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`The ${field} of the ${owner}, '${value.slice(0, 100)}', is not an absolute URL.`, fix);
  }
  if (url.protocol !== 'https:') {
    throw new InputError(
      `The ${field} of the ${owner} must use https:// (got ${url.protocol}//${url.host}); credentials and tokens are never sent over plain HTTP.`,
      fix,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError(
      `The ${field} of the ${owner} must not contain a user name, password, query or fragment.`,
      fix,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** A number of seconds > 0 (or >= 0 when zero is allowed), decimals allowed. */
export function parseSeconds(raw: string, input: string, defaultValue: number, allowZero: boolean): number {
  const value = raw.trim();
  if (!value) {
    return defaultValue;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || (!allowZero && n === 0) || n > 86_400) {
    throw new InputError(
      `Input '${input}' must be a number of seconds ${allowZero ? '(0 or more)' : 'greater than 0'} and at most 86400; got '${value.slice(0, 40)}'.`,
      `Use a plain number such as ${defaultValue}, or leave it empty for the default (${defaultValue}).`,
    );
  }
  return n;
}

export function parseMaxAgeDays(raw: string): number | undefined {
  const value = raw.trim();
  if (!value) {
    return undefined;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) {
    throw new InputError(
      `Input 'maxAgeDays' must be a number of days greater than 0, such as 7 or 1.5; got '${value.slice(0, 40)}'.`,
      'Leave it empty for no age limit.',
    );
  }
  return n;
}

export function parseBoolean(raw: string, input: string, defaultValue: boolean): boolean {
  const value = raw.trim().toLowerCase();
  if (!value) {
    return defaultValue;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new InputError(`Input '${input}' must be true or false; got '${raw.trim().slice(0, 40)}'.`);
}

function parseChoice<T extends string>(raw: string, input: string, allowed: readonly T[], defaultValue: T): T {
  const value = raw.trim();
  if (!value) {
    return defaultValue;
  }
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match) {
    throw new InputError(`Input '${input}' must be one of ${allowed.join(', ')}; got '${value.slice(0, 40)}'.`);
  }
  return match;
}

/** Reads the chosen connection; both connection types carry the same fields. */
export function readConnection(source: InputSource, kind: ConnectionKind): LcsConnection {
  const { input, label } = CONNECTION_INPUTS[kind];
  const endpointId = trimmed(source, input);
  if (!endpointId) {
    throw new InputError(
      `Input '${input}' is empty: no ${label} service connection was chosen.`,
      `Create one under Project settings > Service connections and select it in the task (connectionType: ${kind}).`,
    );
  }
  const raw = source.getEndpoint(endpointId);
  const scheme = (raw.scheme ?? '').trim();
  if (scheme && scheme.toLowerCase() !== 'usernamepassword') {
    throw new InputError(
      `The service connection in '${input}' uses the authentication scheme '${scheme.slice(0, 40)}'; this task needs username and password.`,
      'Edit the connection and enter a username, password and application (client) id.',
    );
  }
  const owner = `service connection in '${input}'`;
  const authority = parseHttpsUrl(raw.url, 'authentication endpoint (URL)', 'https://login.microsoftonline.com/organizations', owner);
  if (new URL(authority).pathname === '/') {
    throw new InputError(
      `The authentication endpoint of the ${owner}, '${authority}', has no tenant in its path.`,
      'Use https://login.microsoftonline.com/organizations, or .../<your tenant id or domain>.',
    );
  }
  const apiUrl = parseHttpsUrl(raw.apiUrl, 'Lifecycle Services API endpoint (apiurl)', 'https://lcsapi.lcs.dynamics.com', owner);
  const username = (raw.username ?? '').trim();
  if (!username) {
    throw new InputError(
      `The service connection in '${input}' has no username.`,
      'Edit the connection and enter the Entra ID account that signs in to LCS (e.g. lcs-pipeline@contoso.com).',
    );
  }
  const password = raw.password ?? '';
  if (!password) {
    throw new InputError(
      `The service connection in '${input}' has no password.`,
      'Edit the connection and enter the account\'s password.',
    );
  }
  const clientId = (raw.clientId ?? '').trim();
  if (!GUID.test(clientId)) {
    throw new InputError(
      clientId
        ? `The application (client) id of the ${owner}, '${clientId.slice(0, 60)}', is not a GUID.`
        : `The service connection in '${input}' has no application (client) id.`,
      'Copy the "Application (client) ID" of your app registration, e.g. 12345678-90ab-cdef-1234-567890abcdef.',
    );
  }
  return { kind, inputName: input, endpointId, authority, apiUrl, username, password, clientId };
}

/** Everything the task needs, validated; the first bad value throws an InputError. */
export function readSettings(source: InputSource): TaskSettings {
  const kind = parseChoice(trimmed(source, 'connectionType'), 'connectionType', ['databaseMovement', 'finOpsTools'] as const, 'databaseMovement');
  const projectId = parseProjectId(trimmed(source, 'projectId'));
  const newestBy: NewestBy = parseChoice(trimmed(source, 'newestBy'), 'newestBy', ['created', 'modified'] as const, 'created');
  const settings: Omit<TaskSettings, 'connection'> = {
    projectId,
    criteria: {
      namePatterns: parsePatterns(source.getInput('nameFilter')),
      fileNamePatterns: parsePatterns(source.getInput('fileNameFilter')),
      newestBy,
    },
    maxAgeDays: parseMaxAgeDays(trimmed(source, 'maxAgeDays')),
    failIfNoBackup: parseBoolean(trimmed(source, 'failIfNoBackup'), 'failIfNoBackup', true),
    fileLocationIsSecret: parseBoolean(trimmed(source, 'fileLocationIsSecret'), 'fileLocationIsSecret', true),
    requestTimeoutMs: parseSeconds(trimmed(source, 'requestTimeoutSeconds'), 'requestTimeoutSeconds', 100, false) * 1000,
    retryBudgetMs: parseSeconds(trimmed(source, 'retryBudgetSeconds'), 'retryBudgetSeconds', 300, true) * 1000,
  };
  return { connection: readConnection(source, kind), ...settings };
}
