/**
 * TLS connections for a client that speaks HTTP/1.1 on the socket itself (the download's range
 * GETs): straight to the host, or through the agent's proxy in a CONNECT tunnel of our own (an
 * http: or https: proxy, Basic credentials as https-proxy-agent sends them), with the same TLS
 * options as every other request (certificate checks on, the agent's CA and client certificate).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { InputError } from '../platform/errors';
import type { NetworkSettings } from '../platform/networkSettings';
import { tlsOptions } from './network';
import { BadAnswer, ResponseHead, ResponseParser } from './responseParser';

/**
 * The proxy answered CONNECT with another status than 200 (407, 403, 502): the request ends as
 * if the proxy had answered it (as it does through https-proxy-agent).
 */
export class ProxyRefused extends Error {
  constructor(readonly head: ResponseHead) {
    super(`the proxy answered HTTP ${head.status}`);
    this.name = 'ProxyRefused';
  }
}

/** Where connections for one URL go: `key` names the origin and proxy (for a pool; holds credentials, never log it). */
export interface Route {
  readonly key: string;
  /** A TLS socket to the URL's host, secure and ready; rejects (and leaves nothing open) when `signal` aborts. */
  open(signal: AbortSignal): Promise<tls.TLSSocket>;
}

export type Connector = (url: string) => Route;

interface Endpoint {
  host: string;
  port: number;
}

function endpoint(url: URL, defaultPort: number): Endpoint {
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) || defaultPort };
}

/** `host:port` as a CONNECT line and Host header write it (an IPv6 literal in brackets). */
function authority(target: Endpoint): string {
  return `${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`;
}

/** TLS connect options for a host: SNI only for a name (never for an IP literal). */
function tlsTo(target: Endpoint, options: tls.ConnectionOptions): tls.ConnectionOptions {
  return { ...options, host: target.host, port: target.port, ...(net.isIP(target.host) ? {} : { servername: target.host }) };
}

/** Waits for `event` on the socket; destroys it and rejects on error, close or abort. */
function ready<T extends net.Socket>(socket: T, event: string, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: unknown): void => {
      done();
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error): void => fail(error);
    const onClose = (): void => fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    const onAbort = (): void => fail(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    const onReady = (): void => {
      done();
      resolve(socket);
    };
    const done = (): void => {
      socket.off('error', onError).off('close', onClose).off(event, onReady);
      signal.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError).once('close', onClose).once(event, onReady);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
  });
}

/** The proxy's Basic credentials from its URL (percent-decoded), as a header line; '' without credentials. */
function proxyAuthorization(proxy: URL): string {
  if (!proxy.username && !proxy.password) return '';
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  } catch {
    // The value holds the password: it is not quoted.
    throw new InputError(
      "The agent's proxy user name or password could not be read.",
      "Check the agent's proxy settings (config --proxyusername / --proxypassword).",
    );
  }
  return `Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}\r\n`;
}

/** The CONNECT request (`authorization`: the header line, or ''). */
function connectRequest(target: Endpoint, authorization: string): string {
  return `CONNECT ${authority(target)} HTTP/1.1\r\nHost: ${authority(target)}\r\n${authorization}\r\n`;
}

/** A parser of the proxy's answer to CONNECT: calls `open` for a 200, throws ProxyRefused otherwise. */
function connectAnswer(open: () => void): ResponseParser {
  let answer: ResponseHead | undefined;
  const end = (rest: Buffer): void => {
    if (!answer) throw new BadAnswer('no head');
    if (answer.status !== 200) throw new ProxyRefused(answer);
    // A TLS server never speaks first: bytes after a 200 are not the target's.
    if (rest.length > 0) throw new BadAnswer('bytes after the tunnel answer');
    open();
  };
  return new ResponseParser({ head: (head) => (answer = head), body: () => undefined, end }, true);
}

/** Sends CONNECT and reads the proxy's answer head; resolves once the tunnel is open. */
function tunnelThrough(socket: net.Socket, request: string, signal: AbortSignal): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    let opened = false;
    const parser = connectAnswer(() => (opened = true));
    const done = (error?: unknown): void => {
      socket.off('data', onData).off('error', done).off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) return resolve(socket);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      try {
        parser.push(chunk);
      } catch (error) {
        return done(error);
      }
      if (opened) done();
    };
    const onClose = (): void => done(Object.assign(new Error('proxy closed'), { code: 'ECONNRESET' }));
    const onAbort = (): void => done(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    socket.on('data', onData).once('error', done).once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    socket.write(request);
  });
}

/** A proxy on the way: where it is, and the CONNECT request for the target. */
interface Via {
  proxy: URL;
  request: string;
}

async function openSocket(target: Endpoint, via: Via | undefined, options: tls.ConnectionOptions, signal: AbortSignal): Promise<tls.TLSSocket> {
  if (!via) return ready(tls.connect(tlsTo(target, options)), 'secureConnect', signal);
  const https = via.proxy.protocol === 'https:';
  const at = endpoint(via.proxy, https ? 443 : 80);
  const raw = https ? await ready(tls.connect(tlsTo(at, options)), 'secureConnect', signal) : await ready(net.connect(at.port, at.host), 'connect', signal);
  const open = await tunnelThrough(raw, via.request, signal);
  // `host` stays: with `socket` given it only names the server the certificate must match (an IP target included).
  const { port: _port, ...overTunnel } = tlsTo(target, options);
  return ready(tls.connect({ ...overTunnel, socket: open }), 'secureConnect', signal);
}

/**
 * Returns how to open TLS connections to a URL: through the proxy the agent's settings name for
 * it, or directly. The proxy is looked up once per call (the caller keeps the route per URL).
 */
export function connectorFor(settings: NetworkSettings): Connector {
  const options: tls.ConnectionOptions = tlsOptions(settings);
  return (url) => {
    const target = endpoint(new URL(url), 443);
    const proxyUrl = settings.proxyFor(url)?.formattedUrl;
    const proxy = proxyUrl === undefined ? undefined : new URL(proxyUrl);
    const via = proxy && { proxy, request: connectRequest(target, proxyAuthorization(proxy)) };
    return { key: `${authority(target)} ${proxyUrl ?? ''}`, open: (signal) => openSocket(target, via, options, signal) };
  };
}
