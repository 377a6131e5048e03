/**
 * What an Azure Resource Manager service connection signs in with, for LcsDatabaseBackupCopy@1:
 * the agent's OIDC endpoint (POST `System.OidcRequestUri?api-version=7.1&serviceConnectionId=`,
 * authorized with the job's access token, answering `{ oidcToken }`) and Entra's client-credentials
 * grant with a client assertion (that ID token) or a client secret, for the scope
 * https://storage.azure.com/.default. Storage tokens look like Entra's (issuer sts.windows.net,
 * audience https://storage.azure.com), which is what Azurite's `--oauth basic` accepts.
 * Sources: Microsoft identity platform docs (client credentials flow, AADSTS codes 70021/700213),
 * azure-pipelines-tasks' AzureRM authentication (OIDC request and its api-version).
 */
import { randomBytes } from 'node:crypto';
import type { Step } from './steps';

export const ARM_TENANT_ID = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';
export const ARM_CLIENT_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
export const ARM_CLIENT_SECRET = 'Arm~Secret.Emulator_4n7Q';
export const ARM_ENDPOINT_ID = 'ArmE2eConnection';
export const SYSTEM_ACCESS_TOKEN = 'eyJzeXN0ZW0tYWNjZXNzLXRva2VuIjoiZW11bGF0b3IifQ.job-token-7Hq2';
export const OIDC_PATH = '/oidc/serviceconnection/token';

export interface AzureRmEmulation {
  /** ID tokens handed out by the OIDC endpoint (secrets). */
  oidcTokens: string[];
  /** Storage access tokens handed out (secrets). */
  storageTokens: string[];
  /** False: the federated credential's subject does not match (AADSTS700213). */
  subjectMatches: boolean;
}

export function newAzureRm(): AzureRmEmulation {
  return { oidcTokens: [], storageTokens: [], subjectMatches: true };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(claims: Record<string, unknown>): string {
  return `${b64({ typ: 'JWT', alg: 'RS256', kid: 'emulator' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`;
}

function entraError(status: number, code: number, error: string, text: string): Step {
  return { status, body: { error, error_description: `AADSTS${code}: ${text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000`, error_codes: [code] } };
}

/** POST to the OIDC endpoint: an ID token for the service connection, for the job's access token only. */
export function oidcStep(emu: AzureRmEmulation, authorization: string | undefined, query: URLSearchParams): Step {
  if (authorization !== `Bearer ${SYSTEM_ACCESS_TOKEN}`) return { status: 401, body: { message: 'TF400813: The user is not authorized.' } };
  if (query.get('api-version') !== '7.1' || !query.get('serviceConnectionId'))
    return { status: 400, body: { message: 'api-version and serviceConnectionId are required' } };
  const now = Math.floor(Date.now() / 1000);
  const token = jwt({
    iss: 'https://vstoken.dev.azure.com/emulator-org',
    sub: `sc://contoso/backups/${query.get('serviceConnectionId')}`,
    aud: 'api://AzureADTokenExchange',
    iat: now,
    nbf: now,
    exp: now + 600,
  });
  emu.oidcTokens.push(token);
  return { body: { oidcToken: token } };
}

/**
 * The client-credentials grant at `/{ARM_TENANT_ID}/oauth2/v2.0/token`; undefined for another grant
 * or tenant (the LCS connection's authority answers as before: it knows only the password grant).
 */
export function clientCredentialsStep(emu: AzureRmEmulation, tenant: string, form: URLSearchParams): Step | undefined {
  if (form.get('grant_type') !== 'client_credentials' || tenant !== ARM_TENANT_ID) return undefined;
  if (form.get('client_id') !== ARM_CLIENT_ID)
    return entraError(400, 700016, 'unauthorized_client', `Application with identifier '${form.get('client_id')}' was not found in the directory.`);
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !emu.oidcTokens.includes(assertion)) {
      return entraError(400, 700211, 'invalid_client', 'No matching federated identity record found for presented assertion issuer.');
    }
    if (!emu.subjectMatches) {
      return entraError(
        400,
        700213,
        'invalid_client',
        "No matching federated identity record found for presented assertion subject 'sc://contoso/backups/ArmE2eConnection'.",
      );
    }
  } else if (form.get('client_secret') !== ARM_CLIENT_SECRET) {
    return entraError(401, 7000215, 'invalid_client', 'Invalid client secret provided.');
  }
  if (form.get('scope') !== 'https://storage.azure.com/.default') return entraError(400, 500011, 'invalid_resource', 'The resource principal was not found.');
  const now = Math.floor(Date.now() / 1000);
  const token = jwt({
    aud: 'https://storage.azure.com',
    iss: `https://sts.windows.net/${ARM_TENANT_ID}/`,
    iat: now,
    nbf: now - 60,
    exp: now + 3599,
    appid: ARM_CLIENT_ID,
    tid: ARM_TENANT_ID,
    oid: ARM_CLIENT_ID,
  });
  emu.storageTokens.push(token);
  return { body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token } };
}
