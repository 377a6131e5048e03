/**
 * The LCS service connection and the settings every LCS task shares (connection type, project,
 * request timeout, retry budget), read from the task's inputs and validated up front.
 */
import { InputError } from '../platform/errors';
import { GUID, InputSource, parseChoice, parseHttpsUrl, parseProjectId, parseSeconds, trimmed } from '../platform/inputs';

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

/** What every LCS task reads: the connection, the project and the per-request limits. */
export interface LcsSettings {
  connection: LcsConnection;
  projectId: number;
  requestTimeoutMs: number;
  retryBudgetMs: number;
}

export const CONNECTION_INPUTS: Record<ConnectionKind, { input: string; label: string }> = {
  databaseMovement: { input: 'lcsConnection', label: 'Dynamics Lifecycle Services (Database Movement)' },
  finOpsTools: { input: 'finOpsToolsConnection', label: 'Dynamics Lifecycle Services (Finance and Operations Tools)' },
};

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
    throw new InputError(`The service connection in '${input}' has no password.`, "Edit the connection and enter the account's password.");
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

/**
 * Reads the inputs every LCS task has (connectionType, lcsConnection or finOpsToolsConnection,
 * projectId, requestTimeoutSeconds, retryBudgetSeconds) and the task's own, in the order a user
 * reads them in the editor: the first bad value throws an InputError, before any request.
 */
export function readTaskSettings<T extends object>(source: InputSource, readOwn: (source: InputSource) => T): LcsSettings & T {
  const kind = parseChoice(trimmed(source, 'connectionType'), 'connectionType', ['databaseMovement', 'finOpsTools'] as const, 'databaseMovement');
  const projectId = parseProjectId(trimmed(source, 'projectId'));
  const own = readOwn(source);
  const requestTimeoutMs = parseSeconds(trimmed(source, 'requestTimeoutSeconds'), 'requestTimeoutSeconds', 100, false) * 1000;
  const retryBudgetMs = parseSeconds(trimmed(source, 'retryBudgetSeconds'), 'retryBudgetSeconds', 300, true) * 1000;
  return { ...own, connection: readConnection(source, kind), projectId, requestTimeoutMs, retryBudgetMs };
}
