/**
 * The Microsoft Entra ID v2 token endpoint as the resource-owner password grant sees it: the
 * success body MSAL parses, and the error bodies (AADSTS codes) users actually run into.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Step } from './steps';

export const EMULATOR_USERNAME = 'lcs-pipeline@contoso.example';
export const EMULATOR_PASSWORD = 'Emulator-P@ssw0rd-7f3a';
export const EMULATOR_CLIENT_ID = '5c1d2f3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
/** The tenant the emulated account lives in (what `organizations` resolves to). */
export const EMULATOR_TENANT_ID = '8a4e1c2b-3d5f-4a6b-9c7d-0e1f2a3b4c5d';
export const EMULATOR_USER_OBJECT_ID = '2b7d9e4f-6a1c-4e3b-8d5f-7c9a1b3d5e7f';
/** The "Dynamics Lifecycle services" first-party application id. */
export const LCS_RESOURCE_APP_ID = '913c6de4-2a4a-4a61-a9ce-945d2b2ce2e0';

/** Values that make error texts read like the real ones. All optional. */
export interface EntraErrorContext {
  clientId?: string;
  resource?: string;
  username?: string;
  grantType?: string;
  tenantName?: string;
}

interface EntraErrorShape {
  status: number;
  error: string;
  suberror?: string;
  text: (ctx: Required<EntraErrorContext>) => string;
}

/** Texts follow what login.microsoftonline.com returns for these codes (2024-2026). */
const ENTRA_ERRORS: Record<number, EntraErrorShape> = {
  50076: {
    status: 400,
    error: 'invalid_grant',
    text: () =>
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${LCS_RESOURCE_APP_ID}'.`,
  },
  50079: {
    status: 400,
    error: 'invalid_grant',
    text: () =>
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${LCS_RESOURCE_APP_ID}'.`,
  },
  50126: { status: 400, error: 'invalid_grant', text: () => 'Error validating credentials due to invalid username or password.' },
  7000218: {
    status: 401,
    error: 'invalid_client',
    text: () => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  65001: {
    status: 400,
    error: 'invalid_grant',
    suberror: 'consent_required',
    text: (c) =>
      `The user or administrator has not consented to use the application with ID '${c.clientId}' named 'LCS pipeline'. Send an interactive authorization request for this user and resource.`,
  },
  500011: {
    status: 400,
    error: 'invalid_resource',
    text: (c) =>
      `The resource principal named ${c.resource} was not found in the tenant named ${c.tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  },
  700016: {
    status: 400,
    error: 'unauthorized_client',
    text: (c) =>
      `Application with identifier '${c.clientId}' was not found in the directory '${c.tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  },
  50034: {
    status: 400,
    error: 'invalid_grant',
    text: (c) =>
      `The user account {EmailHidden} does not exist in the ${c.tenantName.toLowerCase()}.example directory. To sign into this application, the account must be added to the directory.`,
  },
  53003: {
    status: 400,
    error: 'invalid_grant',
    text: () => 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  },
  9001023: {
    status: 400,
    error: 'invalid_request',
    text: () => 'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
  },
  50194: {
    status: 400,
    error: 'invalid_request',
    text: (c) =>
      `Application '${c.clientId}'(LCS pipeline) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
  },
  90002: {
    status: 400,
    error: 'invalid_request',
    text: (c) =>
      `Tenant '${c.tenantName}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  },
  50158: {
    status: 400,
    error: 'interaction_required',
    text: () =>
      'External security challenge not satisfied. User will be redirected to another page or authentication provider to satisfy additional authentication challenges.',
  },
  50074: { status: 400, error: 'interaction_required', text: () => 'Strong Authentication is required.' },
  70003: { status: 400, error: 'unsupported_grant_type', text: (c) => `The app requested an unsupported grant type '${c.grantType}'.` },
  900144: { status: 400, error: 'invalid_request', text: () => "The request body must contain the following parameter: 'grant_type'." },
};

/** `yyyy-mm-dd hh:mm:ssZ`, the timestamp format of Entra error bodies. */
function entraTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A realistic Entra v2 error answer for AADSTS `code`. Unknown codes get a generic
 * `invalid_request` body of the same shape, so any code can be scripted.
 */
export function entraError(code: number, context: EntraErrorContext = {}): Step {
  const ctx: Required<EntraErrorContext> = {
    clientId: context.clientId ?? EMULATOR_CLIENT_ID,
    resource: context.resource ?? 'https://lcsapi.lcs.dynamics.com',
    username: context.username ?? EMULATOR_USERNAME,
    grantType: context.grantType ?? '',
    tenantName: context.tenantName ?? 'Contoso',
  };
  const shape: EntraErrorShape = ENTRA_ERRORS[code] ?? {
    status: 400,
    error: 'invalid_request',
    text: () => `An error occurred while processing the request (emulated Entra error ${code}).`,
  };
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const now = new Date();
  const timestamp = entraTimestamp(now);
  const body: Record<string, unknown> = {
    error: shape.error,
    error_description: `AADSTS${code}: ${shape.text(ctx)}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  if (shape.suberror) body.suberror = shape.suberror;
  return { status: shape.status, headers: entraHeaders(traceId), body };
}

/** Headers Entra sends with every token answer; `no-store` matters to caching proxies. */
function entraHeaders(requestId: string): Record<string, string> {
  return {
    'Cache-Control': 'no-store, no-cache',
    Pragma: 'no-cache',
    'x-ms-request-id': requestId,
    'x-ms-ests-server': '2.1.19999.0 - EMU ProdSlices',
  };
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** An unsigned JWT (`alg: none`): MSAL decodes id tokens but never verifies their signature. */
function unsignedJwt(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ typ: 'JWT', alg: 'none' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** What Entra usually puts in `expires_in` (tokens live 60-90 minutes). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

/** What the emulator needs to mint a token answer. */
export interface TokenGrant {
  issuerBase: string; // https://127.0.0.1:PORT
  clientId: string;
  username: string;
  scope: string; // the scope the client asked for (space separated)
  apiUrl: string;
  /** `expires_in`; Entra's usual 3599 when omitted. */
  lifetimeSeconds?: number;
}

export interface IssuedTokenSet {
  accessToken: string;
  refreshToken: string;
  /** Date.now() + the lifetime: after this the LCS endpoints answer 401. */
  expiresAt: number;
  step: Step;
}

/**
 * A 200 answer in Entra's v2 shape. The access token looks like a JWT (some code peeks at `exp`)
 * but ends in 43 random base64url characters, so every issued token is unique and easy to grep
 * for in logs.
 */
export function tokenSuccess(grant: TokenGrant): IssuedTokenSet {
  const issuedAt = Date.now();
  const nowSec = Math.floor(issuedAt / 1000);
  const lifetime = grant.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const name = 'LCS Pipeline';
  const accessClaims = {
    aud: grant.apiUrl,
    iss: `https://sts.windows.net/${EMULATOR_TENANT_ID}/`,
    iat: nowSec,
    nbf: nowSec,
    exp: nowSec + lifetime,
    appid: grant.clientId,
    oid: EMULATOR_USER_OBJECT_ID,
    scp: 'user_impersonation',
    tid: EMULATOR_TENANT_ID,
    upn: grant.username,
    unique_name: grant.username,
    ver: '1.0',
  };
  const accessToken = `${base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: 'emulator' }))}.${base64url(JSON.stringify(accessClaims))}.${randomBytes(32).toString('base64url')}`;
  const refreshToken = `1.AQ${randomBytes(96).toString('base64url')}`;
  const idToken = unsignedJwt({
    aud: grant.clientId,
    iss: `${grant.issuerBase}/${EMULATOR_TENANT_ID}/v2.0`,
    iat: nowSec,
    nbf: nowSec,
    exp: nowSec + lifetime,
    name,
    oid: EMULATOR_USER_OBJECT_ID,
    preferred_username: grant.username,
    sub: base64url(`sub:${grant.username}`),
    tid: EMULATOR_TENANT_ID,
    ver: '2.0',
  });
  const body = {
    token_type: 'Bearer',
    scope: `${grant.apiUrl}/user_impersonation ${grant.apiUrl}/.default`,
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: accessToken,
    refresh_token: refreshToken,
    id_token: idToken,
    client_info: base64url(JSON.stringify({ uid: EMULATOR_USER_OBJECT_ID, utid: EMULATOR_TENANT_ID })),
  };
  return { accessToken, refreshToken, expiresAt: issuedAt + lifetime * 1000, step: { status: 200, headers: entraHeaders(randomUUID()), body } };
}

/** Scopes that grant access to the LCS API at `apiUrl` (the docs' `//.default`, `/.default`, `/user_impersonation`). */
export function acceptsScope(scope: string, apiUrl: string): boolean {
  const wanted = new Set([`${apiUrl}//.default`, `${apiUrl}/.default`, `${apiUrl}/user_impersonation`]);
  return scope.split(/\s+/).some((s) => wanted.has(s));
}

/** The resource the client asked for, for the AADSTS500011 text. */
function requestedResource(scope: string): string {
  const first = scope.split(/\s+/).find((s) => /^https?:\/\//.test(s)) ?? scope;
  return first.replace(/\/+(\.default|user_impersonation)$/, '');
}

/**
 * The emulator's default token-endpoint decision, in Entra's own order of checks: grant type,
 * application, user, password, resource.
 */
/** Tenant path segments the emulated account signs in on: its tenant id, its domain, and the multi-tenant ones. */
const KNOWN_TENANTS = ['organizations', 'common', 'consumers', EMULATOR_TENANT_ID, 'contoso.example'];

/**
 * Entra's checks of the tenant in the token path: the password grant is refused on /common and
 * /consumers (AADSTS9001023, Entra's ROPC docs), a single-tenant app on a multi-tenant endpoint
 * (AADSTS50194), a tenant Entra does not know (AADSTS90002).
 */
export function tenantRefusal(tenant: string, grantType: string, singleTenantApp: boolean): Step | undefined {
  const lower = tenant.toLowerCase();
  if (!KNOWN_TENANTS.includes(lower)) return entraError(90002, { tenantName: tenant });
  if (grantType === 'password' && (lower === 'common' || lower === 'consumers')) return entraError(9001023);
  if (singleTenantApp && ['organizations', 'common'].includes(lower)) return entraError(50194);
  return undefined;
}

export function decideTokenRequest(
  form: URLSearchParams,
  issuerBase: string,
  apiUrl: string,
  lifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS,
  tenant = 'organizations',
  singleTenantApp = false,
): { step: Step; tokens?: IssuedTokenSet } {
  const grantType = form.get('grant_type') ?? '';
  const refused = tenantRefusal(tenant, grantType, singleTenantApp);
  if (refused) return { step: refused };
  const clientId = form.get('client_id') ?? '';
  const username = form.get('username') ?? '';
  const scope = form.get('scope') ?? '';
  if (!grantType) return { step: entraError(900144) };
  if (grantType !== 'password') return { step: entraError(70003, { grantType }) };
  if (clientId !== EMULATOR_CLIENT_ID) return { step: entraError(700016, { clientId }) };
  if (username.toLowerCase() !== EMULATOR_USERNAME) return { step: entraError(50034, { username }) };
  if (form.get('password') !== EMULATOR_PASSWORD) return { step: entraError(50126) };
  if (!acceptsScope(scope, apiUrl)) return { step: entraError(500011, { resource: requestedResource(scope) }) };
  const tokens = tokenSuccess({ issuerBase, clientId, username, scope, apiUrl, lifetimeSeconds });
  return { step: tokens.step, tokens };
}

/** OpenID metadata for `/{tenant}/v2.0/.well-known/openid-configuration`, as MSAL discovers it when not given authorityMetadata. */
export function openIdConfiguration(issuerBase: string, tenant: string): Record<string, unknown> {
  return {
    token_endpoint: `${issuerBase}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${issuerBase}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${issuerBase}/{tenantid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${issuerBase}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${issuerBase}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${issuerBase}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'oid'],
    kerberos_endpoint: `${issuerBase}/${tenant}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}
