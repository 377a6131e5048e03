/**
 * Signs in to Microsoft Entra ID with the connection's username and password (the resource
 * owner password grant of a public client: the only unattended sign-in LCS accepts).
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { LogLevel, PublicClientApplication } from '@azure/msal-node';
import { SignInError, TaskFailure, TransportError } from './errors';
import { HttpClient } from './http';
import { RetryBudget } from './retry';
import { describeSignInFailure, parseEntraErrorBody } from './signInErrors';
import { neutralize } from './sanitize';

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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
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
      }, this.budget);
      const body = parseJson(response.body);
      if (response.status >= 400) {
        const entra = parseEntraErrorBody(body, response.status);
        this.lastFailure = entra ? describeSignInFailure(entra) : this.unexpectedAnswer(url, response.status, response.headers['content-type'], response.attempts);
      } else if (body === undefined || typeof body !== 'object') {
        this.lastFailure = this.unexpectedAnswer(url, response.status, response.headers['content-type'], response.attempts);
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
    if (status === 429 || status >= 500) {
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
  if (!result?.accessToken) {
    throw new SignInError('Microsoft Entra ID returned no access token.', 'Run again; if it persists, check the app registration.');
  }
  return {
    token: result.accessToken,
    expiresOn: result.expiresOn ?? undefined,
  };
}
