/**
 * An Azure Resource Manager service connection (`connectedService:AzureRM`), read the way
 * Microsoft's tasks read it: the authorization scheme (WorkloadIdentityFederation,
 * ServicePrincipal, ManagedServiceIdentity), tenant id, service principal id and key, and Entra's
 * host for the connection's cloud. Pure apart from the InputSource it is given.
 */
import { InputError } from '../platform/errors';
import { GUID, InputSource, parseHttpsUrl, trimmed } from '../platform/inputs';

export type AzureRmScheme = 'WorkloadIdentityFederation' | 'ServicePrincipal' | 'ManagedServiceIdentity';
const SCHEMES: readonly AzureRmScheme[] = ['WorkloadIdentityFederation', 'ServicePrincipal', 'ManagedServiceIdentity'];

interface AzureRmCommon {
  /** The task input that named the connection. */
  inputName: string;
  endpointId: string;
  tenantId: string;
  /** The service principal's application (client) id; for a managed identity, a user-assigned one's client id or empty. */
  clientId: string;
  /** Entra's host, e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  /** The blob endpoint suffix of the connection's cloud, e.g. core.windows.net. */
  storageSuffix: string;
}

/** What each scheme adds: the compiler knows a ServicePrincipal has its secret, a federated one its OIDC endpoint. */
type SchemeCredential =
  | { scheme: 'ManagedServiceIdentity'; clientSecret?: undefined; oidcRequestUri?: undefined; systemAccessToken?: undefined }
  /** clientSecret is registered as a secret by the caller. */
  | { scheme: 'ServicePrincipal'; clientSecret: string; oidcRequestUri?: undefined; systemAccessToken?: undefined }
  /** Where the agent hands out ID tokens (System.OidcRequestUri), and the job's access token that authorizes the request. */
  | { scheme: 'WorkloadIdentityFederation'; clientSecret?: undefined; oidcRequestUri: string; systemAccessToken: string };

export type AzureRmConnection = AzureRmCommon & SchemeCredential;

/** Blob endpoint suffixes by the connection's `environment`; anything else falls back to storageEndpointSuffix data or the public cloud. */
const PUBLIC_STORAGE_SUFFIX = 'core.windows.net';
const STORAGE_SUFFIXES: Record<string, string> = {
  azurecloud: PUBLIC_STORAGE_SUFFIX,
  azureusgovernment: 'core.usgovcloudapi.net',
  azurechinacloud: 'core.chinacloudapi.cn',
  azuregermancloud: 'core.cloudapi.de',
};

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';

function readScheme(raw: string | undefined, input: string): AzureRmScheme {
  const scheme = SCHEMES.find((s) => s.toLowerCase() === (raw ?? '').trim().toLowerCase());
  if (!scheme) {
    throw new InputError(
      `The Azure Resource Manager service connection in '${input}' uses the authorization scheme '${(raw ?? '').slice(0, 40)}', which this task cannot use.`,
      "Use a connection with workload identity federation (recommended), a service principal with a secret, or the agent's managed identity.",
    );
  }
  return scheme;
}

function readAuthorityHost(data: Record<string, string>, input: string): string {
  const raw = data.environmentauthorityurl || data.activedirectoryauthority || DEFAULT_AUTHORITY;
  const url = parseHttpsUrl(raw, 'Entra authority (environmentAuthorityUrl)', DEFAULT_AUTHORITY, `Azure Resource Manager service connection in '${input}'`);
  return new URL(url).origin;
}

function storageSuffix(data: Record<string, string>): string {
  const suffix = (data.storageendpointsuffix ?? '').trim().replace(/^\.+/, '');
  if (/^[a-z0-9.-]+$/i.test(suffix)) {
    return suffix.toLowerCase();
  }
  return STORAGE_SUFFIXES[(data.environment ?? '').trim().toLowerCase()] ?? PUBLIC_STORAGE_SUFFIX;
}

function requireGuid(value: string | undefined, what: string, input: string): string {
  const v = (value ?? '').trim();
  if (!GUID.test(v)) {
    throw new InputError(
      v
        ? `The ${what} of the Azure Resource Manager service connection in '${input}' is not a GUID.`
        : `The Azure Resource Manager service connection in '${input}' has no ${what}.`,
      'Edit the service connection (Project settings > Service connections) and save it again, or create a new one.',
    );
  }
  return v.toLowerCase();
}

function readSecret(parameters: Record<string, string>, input: string): string {
  if ((parameters.authenticationtype ?? '').toLowerCase() === 'spncertificate') {
    throw new InputError(
      `The service connection in '${input}' signs in with a certificate, which this task does not support.`,
      'Use workload identity federation (recommended: Project settings > Service connections > convert), or a service principal with a secret.',
    );
  }
  const secret = parameters.serviceprincipalkey ?? '';
  if (!secret) {
    throw new InputError(
      `The service connection in '${input}' has no service principal key (secret).`,
      'Edit the connection and enter the secret, or convert it to workload identity federation.',
    );
  }
  if (/[\r\n]/.test(secret)) {
    throw new InputError(
      `The service principal key of the connection in '${input}' contains a line break; the agent cannot mask such a value in the log.`,
      'Edit the connection and enter the secret on one line.',
    );
  }
  return secret;
}

/** The job's OIDC endpoint and access token, which workload identity federation needs. */
function readOidc(source: InputSource, input: string): { oidcRequestUri: string; systemAccessToken: string } {
  const uri = (source.getVariable?.('System.OidcRequestUri') ?? '').trim();
  const token = source.getEndpoint('SystemVssConnection').parameters?.accesstoken ?? '';
  if (!uri || !token) {
    throw new InputError(
      `The connection in '${input}' uses workload identity federation, but the agent gave the task no ${uri ? 'job access token (SystemVssConnection)' : 'OIDC endpoint (System.OidcRequestUri)'}.`,
      'Run the task on an Azure Pipelines agent 3.227 or later (Azure DevOps Services); on Azure DevOps Server use a service principal with a secret instead.',
    );
  }
  return { oidcRequestUri: parseHttpsUrl(uri, 'OIDC endpoint (System.OidcRequestUri)', 'https://dev.azure.com/...', 'agent'), systemAccessToken: token };
}

/** Reads and checks the connection named by `input` (default azureSubscription). */
export function readAzureRmConnection(source: InputSource, input = 'azureSubscription'): AzureRmConnection {
  const endpointId = trimmed(source, input);
  if (!endpointId) {
    throw new InputError(
      `Input '${input}' is empty: no Azure Resource Manager service connection was chosen.`,
      'Choose one whose identity has the Storage Blob Data Contributor role on the storage account, or give destinationSasUrl instead.',
    );
  }
  const raw = source.getEndpoint(endpointId);
  const parameters = raw.parameters ?? {};
  const data = raw.data ?? {};
  const scheme = readScheme(raw.scheme, input);
  const base = { inputName: input, endpointId, authorityHost: readAuthorityHost(data, input), storageSuffix: storageSuffix(data) };
  if (scheme === 'ManagedServiceIdentity') {
    const clientId = (parameters.serviceprincipalid ?? '').trim();
    return { ...base, scheme, tenantId: (parameters.tenantid ?? '').trim(), clientId: GUID.test(clientId) ? clientId.toLowerCase() : '' };
  }
  const tenantId = requireGuid(parameters.tenantid, 'tenant id', input);
  const clientId = requireGuid(parameters.serviceprincipalid, 'service principal (application) id', input);
  if (scheme === 'ServicePrincipal') {
    return { ...base, scheme, tenantId, clientId, clientSecret: readSecret(parameters, input) };
  }
  return { ...base, scheme, tenantId, clientId, ...readOidc(source, input) };
}
