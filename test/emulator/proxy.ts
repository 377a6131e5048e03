/**
 * A minimal HTTP CONNECT proxy for tests: what a corporate proxy in front of a self-hosted agent
 * looks like to the task. It only tunnels to this machine, so a misconfigured test can never reach
 * the internet through it.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectRecord {
  /** `host:port` from the CONNECT line. */
  target: string;
  /** The raw Proxy-Authorization header, if any. */
  authorization?: string;
  /** What the proxy answered: 200, 403, 407 or 502. */
  status: number;
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  connects: ConnectRecord[];
  /** Bytes sent from each target (`host:port`) to the client, TLS included. */
  bytesDown: Map<string, number>;
  /** The options, live: change the rate or the hook mid-run. */
  options: ConnectProxyOptions;
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** With username and password set, CONNECT needs `Proxy-Authorization: Basic ...`. */
  username?: string;
  password?: string;
  /** Per tunnel, target → client (read on every chunk, so a test can change it mid-run). */
  downstreamBytesPerSecond?: number;
  /** Called after each chunk sent to a client. */
  onDownstream?: (target: string, total: number) => void;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** `host:port` → parts; `[::1]:443` style is accepted by the parser but not by the allow-list. */
function parseTarget(target: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(target);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1].toLowerCase(), port } : undefined;
}

function isAuthorized(header: string | undefined, options: ConnectProxyOptions): boolean {
  if (options.username === undefined && options.password === undefined) return true;
  const expected = `Basic ${Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64')}`;
  return header === expected;
}

/** Answer on the raw socket: after CONNECT the connection is no longer an HTTP response object. */
function refuse(socket: net.Socket, status: number, reason: string, extraHeaders: string[] = []): void {
  socket.end([`HTTP/1.1 ${status} ${reason}`, ...extraHeaders, 'Content-Length: 0', 'Connection: close', '', ''].join('\r\n'));
}

/** Copies target → client, counting bytes and pacing them to the option's rate. */
function pipeDown(upstream: net.Socket, client: net.Socket, target: string, bytesDown: Map<string, number>, options: ConnectProxyOptions): void {
  let freeAt = 0;
  upstream.on('data', (chunk: Buffer) => {
    bytesDown.set(target, (bytesDown.get(target) ?? 0) + chunk.length);
    options.onDownstream?.(target, bytesDown.get(target)!);
    const rate = options.downstreamBytesPerSecond;
    const ok = client.write(chunk);
    if (rate) {
      const now = performance.now();
      freeAt = Math.max(now, freeAt) + (chunk.length / rate) * 1000;
      if (freeAt - now >= 1) {
        upstream.pause();
        setTimeout(() => upstream.resume(), freeAt - now);
        return;
      }
    }
    if (!ok) {
      upstream.pause();
      client.once('drain', () => upstream.resume());
    }
  });
  upstream.once('end', () => client.end());
}

/** A CONNECT request: refused unless it is for a local host and authorized, else tunnelled. */
function tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer, state: ProxyState): void {
  const { options, bytesDown } = state;
  const target = req.url ?? '';
  const record: ConnectRecord = { target, status: 0 };
  if (req.headers['proxy-authorization'] !== undefined) record.authorization = req.headers['proxy-authorization'];
  state.connects.push(record);

  const parsed = parseTarget(target);
  if (!parsed || !LOCAL_HOSTS.has(parsed.host)) {
    record.status = 403;
    return refuse(client, 403, 'Forbidden');
  }
  if (!isAuthorized(record.authorization, options)) {
    record.status = 407;
    return refuse(client, 407, 'Proxy Authentication Required', ['Proxy-Authenticate: Basic realm="lcs-test-proxy"']);
  }
  // `localhost` could resolve to ::1 while the emulator listens on 127.0.0.1 only.
  const upstream = net.connect(parsed.port, '127.0.0.1');
  state.track(upstream);
  upstream.once('connect', () => {
    record.status = 200;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    pipeDown(upstream, client, target, bytesDown, options);
    client.pipe(upstream);
  });
  upstream.once('error', () => {
    if (record.status === 0) {
      record.status = 502;
      refuse(client, 502, 'Bad Gateway');
    }
  });
  upstream.once('close', () => client.destroy());
  client.once('close', () => upstream.destroy());
}

interface ProxyState {
  options: ConnectProxyOptions;
  connects: ConnectRecord[];
  bytesDown: Map<string, number>;
  track: (socket: net.Socket) => void;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = [];
  const bytesDown = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Tunnel peers vanish abruptly when tests close servers; that is not an error here.
    socket.on('error', () => socket.destroy());
  };

  const server = http.createServer((_req, res) => {
    res.writeHead(405, { Allow: 'CONNECT', 'Content-Type': 'text/plain' });
    res.end('This test proxy only supports CONNECT.\n');
  });
  server.on('connection', track);
  const state: ProxyState = { options, connects, bytesDown, track };
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => tunnel(req, client, head, state));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    bytesDown,
    options,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
