/**
 * Signs in to Microsoft Entra ID with the connection's username and password (the resource
 * owner password grant of a public client: the only unattended sign-in LCS accepts).
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { LogLevel, PublicClientApplication } from '@azure/msal-node';
import { SignInError, TaskFailure, TransportError } from '../platform/errors';
import { HttpClient } from '../http/http';
import { withinJsonBound } from '../http/json';
import { RetryBudget } from '../http/retry';
import { describeSignInFailure, parseEntraErrorBody } from './signInErrors';
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

const TOKEN_ADVICE = 'Run again; if it persists, check that no proxy between the agent and Microsoft Entra ID alters its answers, and report it with the log of a run with system.debug set to true.';

/**
 * Checks what MSAL would take from a token answer before it does: the token must be one line of
 * printable text (it is registered as a secret and sent in a header) and its lifetime a number
 * of seconds a token can have (it decides when the token is renewed). Undefined when usable.
 */
export function checkTokenAnswer(body: Record<string, unknown>): SignInError | undefined {
  const token = body.access_token;
  if (typeof token !== 'string' || !TOKEN_TEXT.test(token)) {
    return new SignInError(
      typeof token === 'string' && token ? 'Microsoft Entra ID answered with an access token that is not one line of printable characters.' : 'Microsoft Entra ID answered without an access token (access_token).',
      TOKEN_ADVICE,
    );
  }
  const raw = body.expires_in;
  const lifetime = typeof raw === 'string' && /^\d{1,12}$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0 || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    return new SignInError(
      `Microsoft Entra ID answered with an access token lifetime (expires_in) that is not usable: ${neutralize(JSON.stringify(raw) ?? 'none', 40)}; a token lasts more than 0 and at most ${MAX_TOKEN_LIFETIME_SECONDS} seconds.`,
      TOKEN_ADVICE,
    );
  }
  return undefined;
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
      const response = await this.http.send({
        method,
        url,
        headers: options?.headers ?? {},
        body: options?.body,
        service: 'Microsoft Entra ID',
        endpointField: 'the authentication endpoint (URL)',
        endpointExample: 'e.g. https://login.microsoftonline.com/organizations, or your national cloud\'s sign-in host',
      }, this.budget);
      const body = parseJson(response.body);
      if (response.status >= 400) {
        // Throttling is said as throttling, whatever error body comes with it.
        const entra = response.status === 429 ? undefined : parseEntraErrorBody(body, response.status);
        const described = entra ? describeSignInFailure(entra) : this.unexpectedAnswer(url, response.status, response.headers['content-type'], response.attempts);
        // A 5xx is an outage whatever its body says (AADSTS90033 "temporarily unavailable"): a
        // transport failure, which a long wait rides out, not a sign-in the user must fix.
        this.lastFailure = response.status >= 500 && !(described instanceof TransportError) ? new TransportError(described.message, described.advice) : described;
      } else if (body === null || typeof body !== 'object') {
        this.lastFailure = this.unexpectedAnswer(url, response.status, response.headers['content-type'], response.attempts);
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

  private unexpectedAnswer(url: string, status: number, contentType: string | undefined, attempts: number): TaskFailure {
    const host = new URL(url).host;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    if (status === 429) {
      return new TransportError(
        `Microsoft Entra ID (${host}) is throttling requests (HTTP 429)${tries}.`,
        'Wait a few minutes and run again, or raise retryBudgetSeconds so the task waits for Microsoft Entra ID.',
      );
    }
    if (status >= 500) {
      return new TransportError(
        `Microsoft Entra ID (${host}) is unavailable${tries}: HTTP ${status}.`,
        'This is usually temporary: run the pipeline again later.',
      );
    }
    if (status === 407) {
      return new TransportError(
        `The proxy refused to connect to ${host} (HTTP 407 Proxy Authentication Required).`,
        'Check the agent\'s proxy user name and password.',
      );
    }
    return new SignInError(
      `The authentication endpoint ${host} answered HTTP ${status} with ${neutralize(contentType || 'no content type', 80)} instead of a Microsoft Entra ID token response.`,
      'Check the service connection\'s authentication endpoint (URL), e.g. https://login.microsoftonline.com/organizations, and any proxy in between.',
      undefined,
    );
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
      'Check the service connection\'s authentication endpoint, application (client) id, username and password.',
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
