/**
 * The HTTP/1.1 response parser of the range client (http/responseParser.ts), fed the way a socket
 * feeds it: in pieces cut anywhere, hostile answers included.
 */
import { strict as assert } from 'node:assert';
import { BadAnswer, MAX_HEAD_BYTES, ResponseHead, ResponseParser, keepsAlive } from '../../tasks/common/http/responseParser';

interface Parsed {
  heads: ResponseHead[];
  body: Buffer;
  ended: boolean;
  rest?: Buffer;
}

/** Feeds `pieces` to a parser; throws what the parser throws. */
function parse(pieces: (string | Buffer)[], finish = false): Parsed {
  const out: Parsed = { heads: [], body: Buffer.alloc(0), ended: false };
  const bodies: Buffer[] = [];
  const parser = new ResponseParser({
    head: (head) => out.heads.push(head),
    body: (piece) => bodies.push(Buffer.from(piece)),
    end: (rest) => {
      out.ended = true;
      out.rest = Buffer.from(rest);
    },
  });
  for (const piece of pieces) parser.push(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
  if (finish) parser.finish();
  out.body = Buffer.concat(bodies);
  return out;
}

/** Every way of cutting `text` in two, and one byte at a time. */
function cuts(text: string): string[][] {
  const out = [[text], text.split('')];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const RANGE_HEAD = 'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nETag: "0x1"\r\nContent-Length: 10\r\n\r\n';

describe('responseParser', () => {
  it('a head cut anywhere, with body bytes in the head chunk: the same head and body', () => {
    for (const pieces of cuts(`${RANGE_HEAD}0123456789`)) {
      const parsed = parse(pieces);
      assert.equal(parsed.heads.length, 1);
      assert.deepEqual({ ...parsed.heads[0].headers }, { 'content-range': 'bytes 0-9/100', etag: '"0x1"', 'content-length': '10' });
      assert.equal(parsed.heads[0].status, 206);
      assert.equal(parsed.body.toString(), '0123456789');
      assert.ok(parsed.ended);
      assert.equal(parsed.rest!.length, 0);
    }
  });

  it('the body is handed over as views of the pushed chunk, not copies', () => {
    const chunk = Buffer.from(`${RANGE_HEAD}0123456789`, 'latin1');
    const views: Buffer[] = [];
    new ResponseParser({ head: () => undefined, body: (b) => views.push(b), end: () => undefined }).push(chunk);
    assert.equal(views.length, 1);
    assert.equal(views[0].buffer, chunk.buffer);
  });

  it('header names are case-insensitive; repeated headers are joined, but one-value headers only repeat themselves', () => {
    const [head] = parse(['HTTP/1.1 200 OK\r\nX-Note: A\r\nx-note: B\r\nETag: "1"\r\netag: "1"\r\nConstructor: c\r\ncontent-LENGTH: 0\r\n\r\n']).heads;
    assert.equal(head.headers['x-note'], 'A, B');
    assert.equal(head.headers['etag'], '"1"', 'the same ETag twice (a proxy adding it again) is one ETag');
    assert.equal(head.headers['constructor'], 'c');
    assert.equal(head.headers['content-length'], '0');
    assert.equal(head.headers['toString'], undefined, 'no inherited properties');
  });

  it('1xx answers are skipped; the final head is the one reported', () => {
    const parsed = parse(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n', RANGE_HEAD, '0123456789']);
    assert.deepEqual(
      parsed.heads.map((h) => h.status),
      [206],
    );
    assert.equal(parsed.body.toString(), '0123456789');
  });

  it('a chunked body cut anywhere (sizes, extensions, CRLFs, trailers): the same bytes', () => {
    const answer = 'HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\n0123\r\nA\r\n456789abcd\r\n0\r\nX-Trailer: 1\r\n\r\n';
    for (const pieces of cuts(answer)) {
      const parsed = parse(pieces);
      assert.equal(parsed.body.toString(), '0123456789abcd', JSON.stringify(pieces));
      assert.ok(parsed.ended);
    }
  });

  it('Transfer-Encoding: chunked wins over Content-Length', () => {
    const parsed = parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n']);
    assert.equal(parsed.body.toString(), 'hello');
    assert.ok(parsed.ended);
  });

  it('what follows the answer in the same chunk is reported as the rest', () => {
    const parsed = parse([`${RANGE_HEAD}0123456789HTTP/1.1`]);
    assert.equal(parsed.rest!.toString(), 'HTTP/1.1');
  });

  it('a body without length ends with the connection; a length-framed one cut short is a BadAnswer', () => {
    const parsed = parse(['HTTP/1.1 200 OK\r\n\r\nabc', 'def'], true);
    assert.equal(parsed.body.toString(), 'abcdef');
    assert.ok(parsed.ended);
    assert.throws(() => parse([`${RANGE_HEAD}01234`], true), BadAnswer);
    assert.throws(() => parse(['HTTP/1.1 206 Partial'], true), BadAnswer);
  });

  const bad: Record<string, string[]> = {
    'a chunk size that is not hex': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    'a chunk size longer than 12 digits': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n'],
    'a negative chunk size': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n'],
    'chunk data not followed by CRLF': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n'],
    'a bare LF after a chunk size': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n'],
    'a status line that is not HTTP/1.x': ['HTTP/2 200 OK\r\n\r\n'],
    'a status line with a short status': ['HTTP/1.1 20 OK\r\n\r\n'],
    'a header line without a colon': ['HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n'],
    'a header name with a space': ['HTTP/1.1 200 OK\r\nContent Length: 0\r\n\r\n'],
    'a header value with a bare CR': ['HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n'],
    'two different Content-Lengths': ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    'two different ETags': ['HTTP/1.1 206 OK\r\nETag: "1"\r\nETag: "2"\r\nContent-Length: 0\r\n\r\n'],
    'two different error codes': ['HTTP/1.1 403 OK\r\nx-ms-error-code: A\r\nx-ms-error-code: B\r\n\r\n'],
    'a transfer coding other than chunked (never asked for)': ['HTTP/1.1 206 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
    'a Content-Length that is not a number': ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    'a switch of protocols': ['HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  };
  for (const [what, pieces] of Object.entries(bad)) {
    it(`${what}: a BadAnswer that quotes nothing of the answer`, () => {
      assert.throws(
        () => parse(pieces),
        (error: unknown) => error instanceof BadAnswer && !error.message.includes('OK') && error.code === 'ERR_BAD_RESPONSE',
      );
    });
  }

  it('a head over 64 KiB is a BadAnswer, whether or not its end has arrived', () => {
    const filler = `X-Filler: ${'a'.repeat(1000)}\r\n`.repeat(Math.ceil(MAX_HEAD_BYTES / 1000));
    assert.throws(() => parse([`HTTP/1.1 200 OK\r\n${filler}`]), /head too large/);
    assert.throws(() => parse([`HTTP/1.1 200 OK\r\n${filler}`, '\r\n']), /head too large/);
    const pieces = Array.from({ length: 100 }, () => `X-Filler: ${'a'.repeat(1000)}\r\n`);
    assert.throws(() => parse(['HTTP/1.1 200 OK\r\n', ...pieces]), /head too large/);
  });

  it('trailers over 64 KiB are a BadAnswer', () => {
    const trailers = `X-T: ${'a'.repeat(1000)}\r\n`.repeat(70);
    assert.throws(() => parse([`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailers}\r\n`]), BadAnswer);
  });

  it('bytes pushed after the answer ended are a BadAnswer', () => {
    const parser = new ResponseParser({ head: () => undefined, body: () => undefined, end: () => undefined });
    parser.push(Buffer.from(`${RANGE_HEAD}0123456789`));
    assert.throws(() => parser.push(Buffer.from('x')), BadAnswer);
  });

  it('keepsAlive: HTTP/1.1 with a framed body, unless Connection: close', () => {
    const head = (minorVersion: number, headers: Record<string, string>): ResponseHead => ({ status: 206, minorVersion, headers });
    assert.equal(keepsAlive(head(1, { 'content-length': '10' })), true);
    assert.equal(keepsAlive(head(1, { 'transfer-encoding': 'chunked' })), true);
    assert.equal(keepsAlive(head(1, { 'content-length': '10', connection: 'Keep-Alive, Close' })), false);
    assert.equal(keepsAlive(head(1, {})), false);
    assert.equal(keepsAlive(head(0, { 'content-length': '10' })), false);
    assert.equal(keepsAlive(head(1, { 'content-length': '10', 'transfer-encoding': 'chunked' })), false, 'both framings: read, then close');
  });
});
