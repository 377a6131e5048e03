/**
 * The pipeline agent's network settings (proxy, CA bundle, client certificate) turned into
 * Node's http.Agent objects (connection pools) for the HTTP layer. The settings themselves are
 * read by the host (pipelineHost.ts); this file only builds connections from them.
 */
import * as fs from 'node:fs';
import { Agent as HttpsAgent, AgentOptions } from 'node:https';
import * as tls from 'node:tls';
import type { Agent as HttpAgent, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { InputError } from '../platform/errors';
import type { NetworkSettings } from '../platform/networkSettings';

function readFile(path: string, what: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    throw new InputError(
      `Could not read the agent's ${what} '${path}': ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
      "Fix the agent's certificate settings (config --sslcacert / --sslclientcert), or remove them.",
    );
  }
}

const built = new WeakMap<NetworkSettings, AgentOptions>();

/**
 * TLS options for every connection: certificate checks on, and the agent's CA bundle and
 * client certificate when it has them. `rejectUnauthorized: true` is explicit because Node's
 * default is read from NODE_TLS_REJECT_UNAUTHORIZED, which any earlier step of the job can set
 * to 0; an explicit option wins over it.
 */
export function tlsOptions(settings: NetworkSettings): AgentOptions {
  // Built once per settings: the agent's files are read, and the TLS context made, once per run.
  let options = built.get(settings);
  if (!options) built.set(settings, (options = buildTlsOptions(settings)));
  return options;
}

function buildTlsOptions(settings: NetworkSettings): AgentOptions {
  const cert = settings.cert;
  const options: AgentOptions = { rejectUnauthorized: true };
  if (cert?.caFile) {
    // A `ca` option replaces Node's trust store, so keep the public roots and
    // NODE_EXTRA_CA_CERTS next to the agent's own CA.
    const ca: (string | Buffer)[] = [...tls.rootCertificates];
    if (settings.extraCaFile && fs.existsSync(settings.extraCaFile)) {
      ca.push(readFile(settings.extraCaFile, 'NODE_EXTRA_CA_CERTS file'));
    }
    ca.push(readFile(cert.caFile, 'CA certificate file'));
    options.ca = ca;
  }
  if (cert?.certFile && cert.keyFile) {
    options.cert = readFile(cert.certFile, 'client certificate');
    options.key = readFile(cert.keyFile, 'client certificate key');
    options.passphrase = cert.passphrase;
  }
  if (options.ca || options.cert) options.secureContext = sharedContext(options);
  return options;
}

/**
 * One TLS context for every connection made with these options. Without it Node builds a new one
 * per connection from the ~140 public roots plus the agent's CA: 40 ms of CPU each on a 2-core
 * agent (0.4 ms for Node's default), paid again for every range socket and LCS request. A client
 * certificate or key that cannot be used fails here, before any request, with the agent's setting named.
 */
function sharedContext(options: AgentOptions): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(
      `Could not use the agent's client certificate or CA certificate: ${/^[A-Z0-9_]{1,80}$/.test(code) ? code : 'error'}.`,
      "Fix the agent's certificate settings (config --sslcacert / --sslclientcert / --sslclientcertkey / --sslclientcertpassword), or remove them.",
    );
  }
}

type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * A CONNECT tunnel whose TLS session to the target also gets our TLS options (certificate
 * checks on, the agent's CA): https-proxy-agent applies its constructor options only to the
 * connection to the proxy itself.
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxyUrl: string,
    private readonly targetTls: AgentOptions,
    pool: ConnectionPool = {},
  ) {
    super(proxyUrl, { ...targetTls, keepAlive: pool.keepAlive ?? false, maxSockets: pool.maxSockets });
  }

  override connect(req: ClientRequest, opts: ConnectOptions): Promise<Socket> {
    return super.connect(req, { ...opts, ...this.targetTls } as ConnectOptions);
  }
}

/** Connection reuse: off for the few LCS requests; on for a download's many ranges. */
export interface ConnectionPool {
  keepAlive?: boolean;
  maxSockets?: number;
}

/**
 * Returns a function that picks Node's http.Agent for a URL: a CONNECT tunnel through the
 * configured proxy, or a direct one. Each is made once per proxy and reused. There is always
 * one of ours: Node's global agent would take its certificate checks from the environment.
 */
export function httpAgentFactory(settings: NetworkSettings, pool: ConnectionPool = {}): (url: string) => HttpAgent {
  const tlsOpts = tlsOptions(settings);
  const direct = new HttpsAgent({ ...tlsOpts, keepAlive: pool.keepAlive ?? false, maxSockets: pool.maxSockets });
  const tunnels = new Map<string, HttpAgent>();
  return (url) => {
    const proxy = settings.proxyFor(url);
    if (!proxy) {
      return direct;
    }
    let tunnel = tunnels.get(proxy.formattedUrl);
    if (!tunnel) {
      tunnel = new TunnelAgent(proxy.formattedUrl, tlsOpts, pool);
      tunnels.set(proxy.formattedUrl, tunnel);
    }
    return tunnel;
  };
}
