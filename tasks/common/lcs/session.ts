/**
 * What every LCS task opens first: settings → network → HTTP client → a signed-in token,
 * registered as a secret → the connection lines in the log. The session hands back an LcsClient
 * whose token stays fresh for waits of hours: renewed before it expires, and once after a 401.
 */
import { AccessToken, signIn } from './auth';
import { CONNECTION_INPUTS, LcsSettings } from './connection';
import { TaskHost } from '../platform/host';
import { HttpClient, axiosTransport } from '../http/http';
import { LcsClient, TokenSource } from './lcsClient';
import { httpAgentFactory } from '../http/network';
import { RetryBudget } from '../http/retry';
import { neutralize } from '../text/sanitize';
import { isoSeconds } from '../text/time';

export interface LcsSession {
  client: LcsClient;
  http: HttpClient;
}

/** Renew a token when less than this part of its lifetime is left (at most 5 minutes before). */
const RENEW_FRACTION = 0.2;
const RENEW_MARGIN_MAX_MS = 5 * 60_000;

/** Keeps an access token: signs in, registers each token as a secret, renews near expiry. */
export class TokenKeeper implements TokenSource {
  private token?: AccessToken;
  private renewAt = 0;

  constructor(
    private readonly host: TaskHost,
    private readonly settings: LcsSettings,
    private readonly http: HttpClient,
    private readonly acquire: typeof signIn = signIn,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<string> {
    if (!this.token || this.now() >= this.renewAt) {
      return this.renew();
    }
    return this.token.token;
  }

  async renew(): Promise<string> {
    const first = !this.token;
    // Every sign-in, the first and each renewal, gets a budget of its own (the HTTP client's default).
    const token = await this.acquire(this.settings.connection, this.http, (line) => this.host.debug(line));
    this.host.setSecret(token.token);
    this.token = token;
    const acquired = this.now();
    const lifetime = token.expiresOn ? token.expiresOn.getTime() - acquired : Infinity;
    this.renewAt = acquired + Math.max(0, lifetime - Math.min(RENEW_MARGIN_MAX_MS, lifetime * RENEW_FRACTION));
    const until = token.expiresOn ? ` (token valid until ${isoSeconds(token.expiresOn)})` : '';
    if (first) {
      this.host.info(`Signed in to Microsoft Entra ID${until}.`);
    } else {
      this.host.info(`Renewed the access token${until}.`);
    }
    return token.token;
  }
}

/** Tenants on which Entra refuses the password grant (AADSTS9001023). */
const NO_PASSWORD_GRANT = /^\/(common|consumers)$/i;

/**
 * The authority the password grant goes to: Entra refuses it on `/common` and `/consumers`
 * (AADSTS9001023), and d365fo.tools' setup uses `/common`, so users paste it: such an authority
 * becomes `/organizations`. `replaced` names the path that was replaced, for the log.
 */
export function passwordGrantAuthority(authority: string): { authority: string; replaced?: string } {
  const url = new URL(authority);
  if (!NO_PASSWORD_GRANT.test(url.pathname)) {
    return { authority };
  }
  return { authority: `${url.origin}/organizations`, replaced: url.pathname };
}

function logConnection(host: TaskHost, settings: LcsSettings, proxy: string | undefined, replaced: string | undefined): void {
  const c = settings.connection;
  host.info(`Connection:  ${CONNECTION_INPUTS[c.kind].label} (input ${c.inputName})`);
  host.info(`  LCS API:   ${new URL(c.apiUrl).host}`);
  host.info(`  Sign-in:   ${new URL(c.authority).host}${new URL(c.authority).pathname}`);
  if (replaced) {
    host.info(
      `             (the connection says ${replaced}, where Microsoft Entra ID refuses the password sign-in, AADSTS9001023: signing in on /organizations instead)`,
    );
  }
  host.info(`  Account:   ${neutralize(c.username, 200)}`);
  if (proxy) {
    host.info(`  Proxy:     ${proxy}`);
  }
  host.info(`Project:     ${settings.projectId}`);
}

/** Opens a signed-in session for the settings every LCS task reads (see readTaskSettings). */
export async function openLcsSession(host: TaskHost, given: LcsSettings): Promise<LcsSession> {
  const grant = passwordGrantAuthority(given.connection.authority);
  const settings: LcsSettings = { ...given, connection: { ...given.connection, authority: grant.authority } };
  const { connection } = settings;
  const network = host.networkSettings();
  logConnection(host, settings, network.proxyFor(connection.apiUrl)?.displayUrl, grant.replaced);
  if (network.certificateChecksOffInEnvironment) {
    // Node warns that the variable makes HTTPS insecure; say that it does not, here.
    host.warn(
      'NODE_TLS_REJECT_UNAUTHORIZED=0 is set for this job, which switches certificate checks off for Node.js; this task checks certificates regardless. Remove the variable, and give the agent your CA instead (agent setting --sslcacert, or NODE_EXTRA_CA_CERTS).',
    );
  }
  const http = new HttpClient({
    // A fresh retry budget per logical call: a request made hours into a wait has its whole budget.
    budget: () => new RetryBudget(settings.retryBudgetMs, settings.requestTimeoutMs),
    transport: axiosTransport({ httpAgentFor: httpAgentFactory(network) }),
    log: (line) => host.info(line),
    debug: (line) => host.debug(line),
  });
  const tokens = new TokenKeeper(host, settings, http);
  await tokens.current();
  const client = new LcsClient({
    http,
    apiUrl: connection.apiUrl,
    projectId: settings.projectId,
    tokens,
    warn: (line) => host.warn(line),
    debug: (line) => host.debug(line),
  });
  return { client, http };
}
