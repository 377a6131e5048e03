/**
 * What the pipeline agent says about the network (proxy, CA bundle, client certificate), as the
 * host reads it (pipelineHost.ts); http/network.ts builds connections from it.
 */
import { InputError } from './errors';

export interface ProxySettings {
  /** Full proxy URL with credentials, for the tunnel; never logged. */
  formattedUrl: string;
  /** The proxy without credentials, for the log. */
  displayUrl: string;
}

export interface CertSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  passphrase?: string;
}

export interface NetworkSettings {
  /** The proxy to use for a URL, or undefined (no proxy, or the URL is on the bypass list). */
  proxyFor: (url: string) => ProxySettings | undefined;
  cert?: CertSettings;
  /** NODE_EXTRA_CA_CERTS, which Node drops as soon as a `ca` option is given. */
  extraCaFile?: string;
  /** NODE_TLS_REJECT_UNAUTHORIZED=0 is set: Node would skip certificate checks; the task does not. */
  certificateChecksOffInEnvironment?: boolean;
}

/**
 * The proxy URL with its credentials percent-encoded. task-lib's proxyFormattedUrl pastes them
 * in raw, so a password with `@`, `:`, `#`, `/` or `%` (or a DOMAIN\\user name) would change the
 * proxy host or break the URL.
 */
export function proxyUrlWithCredentials(proxyUrl: string, username?: string, password?: string): string {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw new InputError(
      `The agent's proxy URL (Agent.ProxyUrl) '${proxyDisplayUrl(proxyUrl)}' is not a valid URL.`,
      "Fix the agent's proxy setting (config.cmd --proxyurl, or the .proxy file).",
    );
  }
  if (username) {
    url.username = encodeURIComponent(username);
    url.password = encodeURIComponent(password ?? '');
  }
  return url.toString();
}

/** The proxy URL without user name and password. */
export function proxyDisplayUrl(proxyUrl: string): string {
  try {
    const url = new URL(proxyUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable proxy URL)';
  }
}
