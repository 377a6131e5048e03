/**
 * The range client's TLS connections (http/tunnel.ts) against loopback servers with the test CA:
 * direct (SNI for a name, none for an IP), through the test CONNECT proxy (credentials, 407), the
 * certificate check, and abort.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ProxyRefused, connectorFor } from '../../tasks/common/http/tunnel';
import { InputError } from '../../tasks/common/platform/errors';
import type { NetworkSettings } from '../../tasks/common/platform/networkSettings';
import { caFile } from '../emulator/emulator';
import { startConnectProxy, type ConnectProxy } from '../emulator/proxy';
import { startRawTlsServer, type RawTlsServer } from '../support/rawTlsServer';

function settings(proxyUrl?: string, withCa = true): NetworkSettings {
  return {
    proxyFor: () => (proxyUrl ? { formattedUrl: proxyUrl, displayUrl: 'proxy' } : undefined),
    ...(withCa ? { cert: { caFile } } : {}),
  };
}

/** Sends one request line on the socket and reads the answer's first chunk. */
async function roundTrip(socket: TLSSocket): Promise<string> {
  const answer = new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  socket.write('GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
  return answer;
}

function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

/** A loopback TCP server that accepts and never answers (a silent proxy, a stalled handshake); closed after `body`. */
async function withSilentServer(body: (port: number, accepted: net.Socket[]) => Promise<void>): Promise<void> {
  const silent = net.createServer((socket) => socket.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const accepted: net.Socket[] = [];
  silent.on('connection', (s) => accepted.push(s));
  try {
    await body((silent.address() as AddressInfo).port, accepted);
  } finally {
    accepted.forEach((s) => s.destroy());
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
}

describe('tunnel', function () {
  this.timeout(20000);
  let server: RawTlsServer;
  let proxy: ConnectProxy | undefined;
  const open = new AbortController().signal;

  beforeEach(async () => {
    server = await startRawTlsServer();
    server.answer = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  afterEach(async () => {
    await server.close();
    await proxy?.close();
    proxy = undefined;
  });

  it('direct: a TLS socket checked against the CA, with SNI for a host name', async () => {
    const socket = await connectorFor(settings())(`https://localhost:${server.port}/c/b?sig=secret`).open(open);
    assert.match(await roundTrip(socket), /^HTTP\/1.1 200 OK/);
    socket.destroy();
    assert.equal(server.requests[0].servername, 'localhost');
  });

  it('direct to an IP literal: no SNI', async () => {
    const socket = await connectorFor(settings())(`https://127.0.0.1:${server.port}/c/b`).open(open);
    await roundTrip(socket);
    socket.destroy();
    assert.equal(server.requests[0].servername, false);
  });

  it('a server certificate the CA did not sign is refused (whatever NODE_TLS_REJECT_UNAUTHORIZED says)', async () => {
    const error = await failure(connectorFor(settings(undefined, false))(`https://localhost:${server.port}/`).open(open));
    assert.match(String((error as NodeJS.ErrnoException).code), /CERT|SIGNATURE|ISSUER/);
    assert.equal(server.requests.length, 0);
  });

  it('through a proxy: CONNECT with the percent-decoded credentials as Basic, then TLS to the target', async () => {
    proxy = await startConnectProxy({ username: 'DOMAIN\\builder', password: 'p@ss:w/rd%' });
    const proxyUrl = proxy.url.replace('http://', `http://${encodeURIComponent('DOMAIN\\builder')}:${encodeURIComponent('p@ss:w/rd%')}@`);
    const route = connectorFor(settings(proxyUrl))(`https://localhost:${server.port}/c/b?sig=secret`);
    const socket = await route.open(open);
    assert.match(await roundTrip(socket), /^HTTP\/1.1 200 OK/);
    socket.destroy();
    assert.deepEqual(
      proxy.connects.map((c) => [c.target, c.status, c.authorization]),
      [[`localhost:${server.port}`, 200, `Basic ${Buffer.from('DOMAIN\\builder:p@ss:w/rd%').toString('base64')}`]],
    );
    assert.equal(server.requests[0].servername, 'localhost');
    assert.notEqual(route.key, connectorFor(settings())(`https://localhost:${server.port}/other`).key);
  });

  it("a proxy's 407 (and 403) is a ProxyRefused carrying its status and headers, not a socket", async () => {
    proxy = await startConnectProxy({ username: 'u', password: 'right' });
    const wrong = proxy.url.replace('http://', 'http://u:wrong@');
    const refused = await failure(connectorFor(settings(wrong))(`https://localhost:${server.port}/`).open(open));
    assert.ok(refused instanceof ProxyRefused);
    assert.equal(refused.head.status, 407);
    assert.match(refused.head.headers['proxy-authenticate'], /Basic/);
    const forbidden = await failure(connectorFor(settings(proxy.url.replace('http://', 'http://u:right@')))('https://example.com/').open(open));
    assert.ok(forbidden instanceof ProxyRefused && forbidden.head.status === 403);
    assert.equal(server.connections, 0);
  });

  it('a proxy that accepts and never answers CONNECT: given up at the abort (the attempt timer), nothing left open', async () => {
    await withSilentServer(async (port, accepted) => {
      const error = await failure(connectorFor(settings(`http://127.0.0.1:${port}`))(`https://localhost:${server.port}/`).open(AbortSignal.timeout(200)));
      assert.equal((error as NodeJS.ErrnoException).code, 'ABORT_ERR');
      await new Promise((resolve) => (accepted[0]?.destroyed ? resolve(undefined) : accepted[0]?.once('close', resolve)));
      assert.equal(server.connections, 0);
    });
  });

  it('an already aborted signal: no CONNECT is sent', async () => {
    proxy = await startConnectProxy({});
    await failure(connectorFor(settings(proxy.url))(`https://localhost:${server.port}/`).open(AbortSignal.abort()));
    assert.equal(proxy.connects.length, 0);
  });

  it('proxy credentials that are not valid percent-encoding: an InputError that quotes neither', () => {
    const proxyUrl = 'http://builder%zz:s3cr%zzet@127.0.0.1:1';
    assert.throws(
      () => connectorFor(settings(proxyUrl))(`https://localhost:${server.port}/`),
      (e: unknown) => e instanceof InputError && !`${e.message} ${e.advice}`.includes('zz') && !`${e.message} ${e.advice}`.includes('s3cr'),
    );
  });

  it('abort: a connection that hangs in the handshake is given up and closed', async () => {
    await withSilentServer(async (port, accepted) => {
      const stop = new AbortController();
      const pending = failure(connectorFor(settings())(`https://localhost:${port}/`).open(stop.signal));
      setTimeout(() => stop.abort(), 100);
      assert.equal(((await pending) as NodeJS.ErrnoException).code, 'ABORT_ERR');
      assert.equal(accepted.length, 1);
      // The client's side is closed: the server's side sees the end.
      await new Promise((resolve) => (accepted[0]?.destroyed ? resolve(undefined) : accepted[0]?.once('close', resolve)));
      await failure(connectorFor(settings())(`https://localhost:${server.port}/`).open(AbortSignal.abort()));
    });
  });
});
