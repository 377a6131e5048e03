/**
 * How one range's body reaches the file: piece by piece, synchronously, as it arrives
 * (blobHttp.getRange's drain, fileWriter.writeAllAt), against the emulator's storage on loopback.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import {
  AttemptFailure,
  EtagChanged,
  OverlongAnswer,
  RequestContext,
  Stopped,
  WriteFailure,
  blobProperties,
  getRange,
} from '../../tasks/common/download/blobHttp';
import { writeAllAt } from '../../tasks/common/download/fileWriter';
import { SocketPool } from '../../tasks/common/http/socketPool';
import { connectorFor } from '../../tasks/common/http/tunnel';
import { blobBytes } from '../emulator/blobs';
import { caFile, startEmulator, type Emulator } from '../emulator/emulator';
import { startConnectProxy } from '../emulator/proxy';
import { startRawTlsServer, type RawRequest, type RawTlsServer } from '../support/rawTlsServer';

describe("download: a range's body, piece by piece", function () {
  this.timeout(30000);
  let emu: Emulator;
  let ctx: RequestContext;
  let agent: https.Agent;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-range-body-'));

  before(async () => {
    emu = await startEmulator();
    agent = new https.Agent({ ca: readFileSync(emu.caFile), keepAlive: true });
    const sockets = new SocketPool(connectorFor({ proxyFor: () => undefined, cert: { caFile: emu.caFile } }), 4);
    ctx = { agentFor: () => agent, sockets, stop: new AbortController().signal, timeoutMs: 10000 };
  });
  after(async () => {
    agent.destroy();
    ctx.sockets.destroy();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every piece at its offset as it arrives; the file equals the range', async () => {
    const blob = emu.addBlob('body.bak', { size: 3 * 1024 * 1024 + 17, seed: 5 });
    const url = emu.blobUrl(blob.name);
    const props = await blobProperties(url, ctx);
    const file = path.join(dir, 'whole');
    const fd = openSync(file, 'w+');
    let pieces = 0;
    try {
      let at = 1000;
      await getRange(
        url,
        at,
        props.size,
        props,
        (chunk) => {
          writeAllAt(fd, [chunk], at);
          at += chunk.length;
          pieces++;
        },
        ctx,
      );
    } finally {
      closeSync(fd);
    }
    assert.ok(
      readFileSync(file)
        .subarray(1000)
        .equals(blobBytes(5, 1000, props.size - 1000)),
    );
    assert.ok(pieces > 10, `${pieces} pieces`);
  });

  it('a cut answer fails the attempt, and every byte that arrived before the cut was handed over', async () => {
    const blob = emu.addBlob('cut.bak', { size: 2 * 1024 * 1024, seed: 6, faults: { cutEveryNth: 1 } });
    const url = emu.blobUrl(blob.name);
    const props = await blobProperties(url, ctx);
    let got = 0;
    await assert.rejects(
      getRange(
        url,
        0,
        props.size,
        props,
        (chunk) => {
          got += chunk.length;
        },
        ctx,
      ),
      AttemptFailure,
    );
    assert.ok(got > 0 && got < props.size, `${got} bytes`);
  });

  it('a write that fails stops the range at once as a WriteFailure (never retried as a network failure)', async () => {
    const blob = emu.addBlob('full.bak', { size: 2 * 1024 * 1024, seed: 7 });
    const url = emu.blobUrl(blob.name);
    const props = await blobProperties(url, ctx);
    let calls = 0;
    const error = await getRange(
      url,
      0,
      props.size,
      props,
      () => {
        calls++;
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      },
      ctx,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof WriteFailure);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.equal(calls, 1);
  });
});

describe('download: the range client on its own sockets (keep-alive, cuts, timeout, abort)', function () {
  this.timeout(20000);
  const props = { size: 100, etag: '"0x1"' };
  const body = Buffer.from('0123456789'.repeat(10));
  let server: RawTlsServer;
  let ctx: RequestContext;
  let stop: AbortController;

  /** A 206 for the request's range, with `extra` headers; `cut`: only the first half of the body. */
  const range206 = (socket: TLSSocket, request: RawRequest, extra = '', cut = false): void => {
    const [, a, b] = /Range: bytes=(\d+)-(\d+)/.exec(request.head)!.map(Number);
    const piece = body.subarray(a, b + 1);
    socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${a}-${b}/100\r\nETag: "0x1"\r\nContent-Length: ${piece.length}\r\n${extra}\r\n`);
    socket.write(cut ? piece.subarray(0, piece.length / 2) : piece);
    if (cut) socket.destroy();
  };

  const get = async (from: number, end: number): Promise<string> => {
    const got: Buffer[] = [];
    await getRange(`https://127.0.0.1:${server.port}/c/b.bak?sig=secret`, from, end, props, (c) => got.push(Buffer.from(c)), ctx);
    return Buffer.concat(got).toString();
  };

  beforeEach(async () => {
    server = await startRawTlsServer();
    stop = new AbortController();
    const sockets = new SocketPool(connectorFor({ proxyFor: () => undefined, cert: { caFile } }), 2);
    ctx = { agentFor: () => undefined, sockets, stop: stop.signal, timeoutMs: 3000 };
  });
  afterEach(async () => {
    ctx.sockets.destroy();
    await server.close();
  });

  it('sends the range, If-Match and the storage version; the next range reuses the socket', async () => {
    server.answer = (s, r) => range206(s, r);
    assert.equal(await get(0, 10), '0123456789');
    assert.equal(await get(10, 30), body.subarray(10, 30).toString());
    assert.equal(server.connections, 1);
    assert.deepEqual(
      server.requests.map((r) => r.onConnection),
      [1, 2],
    );
    assert.match(server.requests[0].head, /^GET \/c\/b\.bak\?sig=secret HTTP\/1\.1\r\n/);
    assert.match(server.requests[0].head, /\r\nRange: bytes=0-9\r\nIf-Match: "0x1"\r\nx-ms-version: \d{4}-\d\d-\d\d\r\n/);
    assert.equal(ctx.sockets.idleCount, 1);
  });

  it('an answer head split across chunks, body bytes in its last chunk, a chunked body over many chunks', async () => {
    server.answer = (socket) => {
      const head = 'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\n012';
      for (const piece of [head.slice(0, 20), head.slice(20, 70), head.slice(70), '\r\n', '7\r', '\n3456789\r\n0\r\nT: 1\r\n\r\n']) socket.write(piece);
    };
    assert.equal(await get(0, 10), '0123456789');
  });

  it('no reuse after a cut, after Connection: close, or after an error answer', async () => {
    server.answer = (s, r) => range206(s, r, '', server.requests.length === 1);
    await assert.rejects(get(0, 10), (e: unknown) => e instanceof AttemptFailure && e.outcome.kind === 'failure' && e.outcome.code === 'ECONNRESET');
    server.answer = (s, r) => range206(s, r, 'Connection: close\r\n');
    await get(0, 10);
    const xml = '<?xml version="1.0"?><Error><Code>ServerBusy</Code></Error>';
    server.answer = (s) => s.write(`HTTP/1.1 503 Server Busy\r\nContent-Length: ${xml.length}\r\n\r\n${xml}`);
    await assert.rejects(get(0, 10), (e: unknown) => e instanceof AttemptFailure && e.status === 503 && e.storageCode === 'ServerBusy');
    server.answer = (s, r) => range206(s, r);
    await get(0, 10);
    assert.equal(server.connections, 4);
    assert.equal(ctx.sockets.idleCount, 1);
  });

  it('a kept-alive socket the server closes as the next request arrives: a fresh socket at once, no failed attempt', async () => {
    // The first connection answers once, then drops the next request unanswered (a server closing an idle connection).
    server.answer = (s, r) => (r.onConnection === 2 ? s.destroy() : range206(s, r));
    await get(0, 10);
    assert.equal(ctx.sockets.idleCount, 1);
    assert.equal(await get(10, 20), body.subarray(10, 20).toString());
    assert.deepEqual(
      server.requests.map((r) => r.onConnection),
      [1, 2, 1],
    );
    assert.equal(server.connections, 2);
  });

  it('a fresh socket cut before any byte of the answer: one failed attempt, no loop', async () => {
    server.answer = (s) => s.destroy();
    await assert.rejects(get(0, 10), (e: unknown) => e instanceof AttemptFailure && e.outcome.kind === 'failure' && e.outcome.code === 'ECONNRESET');
    assert.equal(server.requests.length, 1);
  });

  it('bytes after the answer (not asked for): the socket is not kept', async () => {
    server.answer = (s, r) => {
      range206(s, r);
      s.write('HTTP/1.1 200 OK\r\n');
    };
    assert.equal(await get(0, 10), '0123456789');
    assert.equal(ctx.sockets.idleCount, 0);
    server.answer = (s, r) => range206(s, r);
    await get(10, 20);
    assert.equal(server.connections, 2);
  });

  it('the same ETag twice is one ETag; Content-Length framed as "10, 10" is 10', async () => {
    server.answer = (s) =>
      s.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nETag: "0x1"\r\nETag: "0x1"\r\nContent-Length: 10, 10\r\n\r\n0123456789');
    assert.equal(await get(0, 10), '0123456789');
  });

  it('a chunked body that runs past the range: OverlongAnswer, never a byte past the range handed over', async () => {
    server.answer = (socket) => {
      socket.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nTransfer-Encoding: chunked\r\n\r\n');
      socket.write('6\r\n012345\r\n6\r\n6789ab\r\n');
    };
    let got = 0;
    await assert.rejects(
      getRange(`https://127.0.0.1:${server.port}/b`, 0, 10, props, (c) => (got += c.length), ctx),
      (e: unknown) => e instanceof OverlongAnswer,
    );
    assert.equal(got, 6);
    assert.equal(ctx.sockets.idleCount, 0);
  });

  it('a longer Content-Length: OverlongAnswer before any body; another ETag: EtagChanged', async () => {
    server.answer = (s) => s.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nContent-Length: 11\r\n\r\n0123456789X');
    await assert.rejects(get(0, 10), OverlongAnswer);
    server.answer = (s) => s.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nETag: "0x2"\r\nContent-Length: 10\r\n\r\n0123456789');
    await assert.rejects(get(0, 10), EtagChanged);
  });

  it('a malformed answer is a bad response, never its text', async () => {
    server.answer = (s) => s.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nTransfer-Encoding: chunked\r\n\r\nzz-secret\r\n');
    await assert.rejects(get(0, 10), (e: unknown) => e instanceof AttemptFailure && e.message === 'ERR_BAD_RESPONSE');
  });

  it('one timer for the whole attempt: a body that stalls is cut as a timeout', async () => {
    ctx = { ...ctx, timeoutMs: 300 };
    server.answer = (s) => s.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nContent-Length: 10\r\n\r\n01234');
    await assert.rejects(
      get(0, 10),
      (e: unknown) => e instanceof AttemptFailure && e.outcome.kind === 'failure' && e.outcome.timedOut && e.outcome.code === 'ETIMEDOUT',
    );
    assert.equal(ctx.sockets.idleCount, 0);
  });

  it("a proxy's 407 to CONNECT ends the range as the proxy's answer (AttemptFailure 407), as through https-proxy-agent", async () => {
    const proxy = await startConnectProxy({ username: 'u', password: 'right' });
    try {
      const connector = connectorFor({
        proxyFor: () => ({ formattedUrl: proxy.url.replace('http://', 'http://u:wrong@'), displayUrl: 'p' }),
        cert: { caFile },
      });
      ctx = { ...ctx, sockets: new SocketPool(connector, 2) };
      await assert.rejects(get(0, 10), (e: unknown) => e instanceof AttemptFailure && e.status === 407 && !e.message.includes('secret'));
      assert.equal(server.connections, 0);
    } finally {
      ctx.sockets.destroy();
      await proxy.close();
    }
  });

  it('stop mid-body: Stopped at once, the socket closed', async () => {
    server.answer = (s) => {
      s.write('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nContent-Length: 10\r\n\r\n01234');
      setTimeout(() => stop.abort(), 50);
    };
    await assert.rejects(get(0, 10), Stopped);
    assert.equal(ctx.sockets.idleCount, 0);
  });
});
