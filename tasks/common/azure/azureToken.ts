/**
 * A storage access token for an Azure Resource Manager connection, as Microsoft's tasks get one:
 * workload identity federation (an ID token from the agent's OIDC endpoint, exchanged at Entra as
 * a client assertion), a service principal's secret (client credentials), or the agent's managed
 * identity (IMDS). Every request goes through the one HTTP layer (http.ts); a proxy's 407,
 * throttling and outages are worded there (failures.ts), refusals here.
 */
import { AzureRmConnection } from './azureRm';
import { SignInError } from '../platform/errors';
import { AZURE_STATUS_PAGE } from '../http/failures';
import { HttpClient, HttpRequest, HttpResponse, hostOf, statusFailure } from '../http/http';
import { RetryBudget } from '../http/retry';
import { neutralize } from '../text/sanitize';

export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
const IMDS_HOST = 'http://169.254.169.254';

export interface StorageToken {
  token: string;
  expiresOn?: Date;
}

const ENTRA_ADVICE: Record<number, string> = {
  70021:
    "No federated credential of the app registration matches the token: in Entra ID > App registrations > the connection's app (or the managed identity) > Certificates & secrets > Federated credentials, the issuer and subject must be what the service connection shows (sc://<organization>/<project>/<connection name>). Renaming the connection or the project changes the subject.",
  700213:
    "No federated credential matches the subject of the token: check that the federated credential's subject is exactly sc://<organization>/<project>/<connection name> as the service connection shows it.",
  700211:
    "No federated credential matches the issuer of the token: check the federated credential's issuer against the one the service connection shows (https://vstoken.dev.azure.com/<organization id>).",
  700024: "The ID token from the agent is expired or not yet valid: check the agent's clock and run again.",
  7000215: "The service principal's secret is wrong: create a new client secret and update the service connection.",
  7000222:
    "The service principal's secret has expired: create a new client secret and update the service connection (or convert it to workload identity federation).",
  700016:
    "The application (client) id is not known in the tenant: check the service connection's service principal id and tenant id, or create the connection again.",
  90002: "The tenant is not known: check the service connection's tenant id.",
  500011: "The tenant does not know Azure Storage as a resource: check the connection's cloud (environment).",
};

/** The Entra refusal as one message with advice. */
export function entraRefusal(response: HttpResponse, tenantId: string): SignInError {
  const body = safeJson(response.body);
  const codes = Array.isArray(body.error_codes) ? body.error_codes.filter((c): c is number => typeof c === 'number') : [];
  const description = typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : `HTTP ${response.status}`;
  const known = codes.find((c) => ENTRA_ADVICE[c] !== undefined);
  return new SignInError(
    `Microsoft Entra ID refused a storage token for tenant ${neutralize(tenantId, 60)}: ${neutralize(description, 400)}`,
    known !== undefined ? ENTRA_ADVICE[known] : 'Check the service connection (Project settings > Service connections > Verify), then run again.',
    known,
  );
}

/** A JSON object answer, or {} for anything else (answers are small: the HTTP layer bounds them). */
function safeJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function tokenFrom(response: HttpResponse, field: 'access_token', what: string): StorageToken {
  const body = safeJson(response.body);
  const token = body[field];
  if (typeof token !== 'string' || !token || /[\r\n]/.test(token)) {
    throw new SignInError(
      `${what} answered HTTP ${response.status} without an access token.`,
      'Run again; if it persists, check that no proxy answers instead of it.',
    );
  }
  const seconds = Number(body.expires_in ?? body.expires_on);
  const expiresOn = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds > 1e9 ? seconds * 1000 : Date.now() + seconds * 1000) : undefined;
  return { token, expiresOn };
}

/** Sends `request`; throws failures.ts' error for a proxy's 407, throttling or an outage. */
async function send(http: HttpClient, request: HttpRequest, budget?: RetryBudget): Promise<HttpResponse> {
  const response = await http.send(request, budget);
  const failure = statusFailure(request, response);
  if (failure) {
    throw failure;
  }
  return response;
}

/** The ID token of the job for this service connection, from the agent's OIDC endpoint. */
async function oidcToken(conn: AzureRmConnection & { scheme: 'WorkloadIdentityFederation' }, http: HttpClient, budget?: RetryBudget): Promise<string> {
  const url = new URL(conn.oidcRequestUri);
  url.searchParams.set('api-version', '7.1');
  url.searchParams.set('serviceConnectionId', conn.endpointId);
  const response = await send(
    http,
    {
      method: 'POST',
      url: url.href,
      body: '',
      service: 'the Azure DevOps OIDC endpoint',
      statusPage: 'https://status.dev.azure.com',
      headers: { Authorization: `Bearer ${conn.systemAccessToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    },
    budget,
  );
  const token = safeJson(response.body).oidcToken;
  if (response.status !== 200 || typeof token !== 'string' || !token) {
    throw new SignInError(
      `The agent's OIDC endpoint (${hostOf(url.href)}) gave no ID token for service connection ${neutralize(conn.endpointId, 60)} (HTTP ${response.status}).`,
      'Check that the pipeline may use the service connection (Security > Pipeline permissions) and that the connection uses workload identity federation.',
    );
  }
  return token;
}

/** Client credentials at Entra: a client assertion (workload identity federation) or a secret. */
async function clientCredentials(conn: AzureRmConnection, http: HttpClient, credential: Record<string, string>, budget?: RetryBudget): Promise<StorageToken> {
  const url = `${conn.authorityHost}/${encodeURIComponent(conn.tenantId)}/oauth2/v2.0/token`;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: conn.clientId, scope: STORAGE_SCOPE, ...credential });
  const response = await send(
    http,
    {
      method: 'POST',
      url,
      body: form.toString(),
      service: 'Microsoft Entra ID',
      statusPage: AZURE_STATUS_PAGE,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    },
    budget,
  );
  if (response.status !== 200) {
    throw entraRefusal(response, conn.tenantId);
  }
  return tokenFrom(response, 'access_token', 'Microsoft Entra ID');
}

/** The agent's managed identity, from the instance metadata service (IMDS). */
async function managedIdentity(conn: AzureRmConnection, http: HttpClient, imdsHost: string, budget?: RetryBudget): Promise<StorageToken> {
  const url = new URL('/metadata/identity/oauth2/token', imdsHost);
  url.searchParams.set('api-version', '2018-02-01');
  url.searchParams.set('resource', 'https://storage.azure.com/');
  if (conn.clientId) {
    url.searchParams.set('client_id', conn.clientId);
  }
  const response = await send(http, { method: 'GET', url: url.href, headers: { Metadata: 'true' }, service: "the agent's managed identity endpoint" }, budget);
  if (response.status !== 200) {
    throw new SignInError(
      `The agent's managed identity gave no storage token (HTTP ${response.status}: ${neutralize(String(safeJson(response.body).error_description ?? ''), 300)}).`,
      'Managed identity works only on a self-hosted agent running on an Azure VM (or scale set) with a managed identity assigned; elsewhere use workload identity federation.',
    );
  }
  return tokenFrom(response, 'access_token', 'The managed identity endpoint');
}

/** A token for Azure Storage (scope https://storage.azure.com/.default) for the connection. */
export async function storageToken(
  conn: AzureRmConnection,
  http: HttpClient,
  budget?: RetryBudget,
  imdsHost = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST || IMDS_HOST,
): Promise<StorageToken> {
  switch (conn.scheme) {
    case 'ManagedServiceIdentity':
      return managedIdentity(conn, http, imdsHost, budget);
    case 'ServicePrincipal':
      return clientCredentials(conn, http, { client_secret: conn.clientSecret }, budget);
    default:
      return clientCredentials(
        conn,
        http,
        {
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await oidcToken(conn, http, budget),
        },
        budget,
      );
  }
}
