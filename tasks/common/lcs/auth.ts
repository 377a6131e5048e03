/**
 * Signs in to Microsoft Entra ID with the connection's username and password (the resource
 * owner password grant of a public client: the only unattended sign-in LCS accepts).
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { LogLevel, PublicClientApplication } from '@azure/msal-node';
import { SignInError, TaskFailure } from '../platform/errors';
import { AZURE_STATUS_PAGE } from '../http/failures';
import { HttpClient, HttpRequest, HttpResponse, hostOf, statusFailure } from '../http/http';
import { withinJsonBound } from '../http/json';
import { RetryBudget } from '../http/retry';
import { describeSignInFailure, entraWords, parseEntraErrorBody } from './signInErrors';
import { neutralize } from '../text/sanitize';

export interface SignInRequest {
  authority: string;
  apiUrl: string;
  clientId: string;
  username: string;
  password: string;
}

/** Microsoft documents the LCS scope with a double slash: `<api url>//.default`. */
export function lcsScope(apiUrl: string): string {
  return `${apiUrl}//.default`;
}

/**
 * Endpoint metadata for the authority, given to MSAL up front so it never fetches OpenID
 * configuration or instance discovery: a run contacts the authority's host for the token
 * POST and nothing else, which also works for national clouds and locked-down agents.
 */
export function authorityMetadata(authority: string): string {
  return JSON.stringify({
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    issuer: `${authority}/v2.0`,
  });
}

const TOKEN_PATH = /\/oauth2\/v2\.0\/token$/;

function parseJson(text: string): unknown {
  // A token answer is a few kilobytes; one too large to read is no token answer.
  if (!withinJsonBound(text)) {
    return undefined;
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

/** Entra ID's access tokens last 60-90 minutes, a day at most; no lifetime beyond two days is real. */
const MAX_TOKEN_LIFETIME_SECONDS = 2 * 86_400;
/** A JWT is base64url and dots: one line of printable characters, which the agent can mask. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

const TOKEN_ADVICE =
  'Run again; if it persists, check that no proxy between the agent and Microsoft Entra ID alters its answers, and report it with the log of a run with system.debug set to true.';

/**
 * Checks what MSAL would take from a token answer before it does: the token must be one line of
 * printable text (it is registered as a secret and sent in a header) and its lifetime a number
 * of seconds a token can have (it decides when the token is renewed). Undefined when usable.
 */
export function checkTokenAnswer(body: Record<string, unknown>): SignInError | undefined {
  const token = body.access_token;
  if (typeof token !== 'string' || !TOKEN_TEXT.test(token)) {
    return new SignInError(
      typeof token === 'string' && token
        ? 'Microsoft Entra ID answered with an access token that is not one line of printable characters.'
        : 'Microsoft Entra ID answered without an access token (access_token).',
      TOKEN_ADVICE,
    );
  }
  const raw = body.expires_in;
  const lifetime = typeof raw === 'string' && /^\d{1,12}$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0 || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    return new SignInError(
      `Microsoft Entra ID answered with an access token lifetime (expires_in) that is not usable: ${neutralize(raw === undefined ? 'none' : JSON.stringify(raw), 40)}; a token lasts more than 0 and at most ${MAX_TOKEN_LIFETIME_SECONDS} seconds.`,
      TOKEN_ADVICE,
    );
  }
  return undefined;
}

/** How requests to the authority name it, in messages and advice. */
export const ENTRA_SERVICE = {
  service: 'Microsoft Entra ID',
  endpointField: 'the authentication endpoint (URL)',
  endpointExample: "e.g. https://login.microsoftonline.com/organizations, or your national cloud's sign-in host",
  statusPage: AZURE_STATUS_PAGE,
} satisfies Partial<HttpRequest>;

/**
 * An error status from the authority: the proxy, throttling and outages as failures.ts words
 * them (an outage with Entra's own words, e.g. AADSTS90033), else Entra's error answer, else an
 * endpoint that is no Entra authority.
 */
export function describeEntraStatus(request: HttpRequest, response: HttpResponse, body: unknown): TaskFailure {
  const { status } = response;
  const entra = parseEntraErrorBody(body, status);
  const common = statusFailure(request, response, { detail: entra && entraWords(entra) });
  if (common) {
    return common;
  }
  if (entra) {
    return describeSignInFailure(entra);
  }
  const host = hostOf(request.url);
  return new SignInError(
    `The authentication endpoint ${host} answered HTTP ${status} with ${neutralize(response.headers['content-type'] || 'no content type', 80)} instead of a Microsoft Entra ID token response.`,
    "Check the service connection's authentication endpoint (URL), e.g. https://login.microsoftonline.com/organizations, and any proxy in between.",
  );
}

/**
 * MSAL's network module on top of our HttpClient, so the token request gets the same
 * timeout, proxy, CA and retries as the LCS calls. It remembers what went wrong, because MSAL
 * rewraps errors and would lose Entra's code and trace id.
 */
class MsalNetwork implements INetworkModule {
  lastFailure?: TaskFailure;

  constructor(
    private readonly http: HttpClient,
    private readonly budget?: RetryBudget,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    try {
      const request: HttpRequest = { method, url, headers: options?.headers ?? {}, body: options?.body, ...ENTRA_SERVICE };
      const response = await this.http.send(request, this.budget);
      const body = parseJson(response.body);
      if (response.status >= 400 || body === null || typeof body !== 'object') {
        this.lastFailure = describeEntraStatus(request, response, body);
      } else if (TOKEN_PATH.test(new URL(url).pathname)) {
        this.lastFailure = checkTokenAnswer(body as Record<string, unknown>);
      }
      if (this.lastFailure) {
        throw this.lastFailure;
      }
      return { status: response.status, headers: response.headers, body: body as T };
    } catch (error) {
      if (error instanceof TaskFailure) {
        this.lastFailure = error;
      }
      throw error;
    }
  }
}

export interface AccessToken {
  token: string;
  expiresOn?: Date;
}

/** Acquires an access token for the LCS API. Throws a TaskFailure with advice on any failure. */
export async function signIn(request: SignInRequest, http: HttpClient, debug: (line: string) => void, budget?: RetryBudget): Promise<AccessToken> {
  const network = new MsalNetwork(http, budget);
  const host = new URL(request.authority).host;
  const app = new PublicClientApplication({
    auth: {
      clientId: request.clientId,
      authority: request.authority,
      knownAuthorities: [host],
      authorityMetadata: authorityMetadata(request.authority),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${request.authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    },
    system: {
      networkClient: network,
      // Retries are ours (http.ts), inside the run's budget.
      disableInternalRetries: true,
      loggerOptions: {
        logLevel: LogLevel.Warning,
        piiLoggingEnabled: false,
        loggerCallback: (_level, message) => debug(`MSAL: ${neutralize(message, 500)}`),
      },
    },
  });
  let result;
  try {
    // MSAL deprecates the password grant (ROPC) in favour of interactive flows, but LCS accepts only
    // delegated sign-in and a pipeline has no one to sign in interactively: username and password
    // with a public client is the only unattended way (overview.md, "Register an app").
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    result = await app.acquireTokenByUsernamePassword({
      scopes: [lcsScope(request.apiUrl)],
      username: request.username,
      password: request.password,
    });
  } catch (error) {
    if (network.lastFailure) {
      throw network.lastFailure;
    }
    const e = error as { errorCode?: string; errorMessage?: string; message?: string };
    debug(`MSAL error: ${neutralize(e.errorCode, 80)} ${neutralize(e.errorMessage ?? e.message, 500)}`);
    throw new SignInError(
      `Sign-in to Microsoft Entra ID failed: ${neutralize(e.errorCode || e.message || 'unknown error', 200)}.`,
      "Check the service connection's authentication endpoint, application (client) id, username and password.",
    );
  }
  return usableToken(result?.accessToken, result?.expiresOn);
}

/** MSAL's result as an AccessToken, checked again: its expiry becomes a time in log lines and renewals. */
function usableToken(token: unknown, expiresOn: Date | null | undefined): AccessToken {
  if (typeof token !== 'string' || !TOKEN_TEXT.test(token)) {
    throw new SignInError('Microsoft Entra ID returned no usable access token.', TOKEN_ADVICE);
  }
  if (expiresOn && !(expiresOn instanceof Date && Number.isFinite(expiresOn.getTime()))) {
    throw new SignInError('Microsoft Entra ID returned an access token whose expiry is not a valid time.', TOKEN_ADVICE);
  }
  return { token, expiresOn: expiresOn ?? undefined };
}
