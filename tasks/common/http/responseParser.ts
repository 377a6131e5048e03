/**
 * An HTTP/1.1 response parser (RFC 9112) for a client that reads answers straight off a socket:
 * fed the socket's chunks as they come, it hands back the head (status and headers) and the body
 * as views of those chunks (no copy). The answer is untrusted: a head over 64 KiB, a malformed
 * status line, header or chunk size is a BadAnswer, and nothing of the answer goes into its message.
 */

/** The most a head (status line and headers), or a chunked body's trailers, may take. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** The most one chunk-size line (size and extensions) may take. */
const MAX_CHUNK_LINE = 4096;

/** An answer that is not well-formed HTTP/1.1; its message never quotes the answer. */
export class BadAnswer extends Error {
  readonly code = 'ERR_BAD_RESPONSE';
  constructor(what: string) {
    super(`bad HTTP answer: ${what}`);
    this.name = 'BadAnswer';
  }
}

export interface ResponseHead {
  status: number;
  /** HTTP/1.0 or HTTP/1.1. */
  minorVersion: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
}

export interface ResponseEvents {
  /** The final (non-1xx) head; a throw stops the parser (the caller's error comes out of push). */
  head(head: ResponseHead): void;
  /** A view of the body, in order. */
  body(piece: Buffer): void;
  /** The body is complete; `rest` is what followed it in the same chunk. */
  end(rest: Buffer): void;
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };
type ChunkState = 'size' | 'data' | 'data-crlf' | 'trailers';

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that carry one value: a repeat with the same value is one, with another value a bad answer (never joined). */
const SINGLE = new Set(['content-length', 'content-range', 'etag', 'x-ms-error-code']);

/** Parses a head's text (without the blank line); throws BadAnswer. */
export function parseHead(text: string): ResponseHead {
  const [first = '', ...lines] = text.split('\r\n');
  const status = STATUS_LINE.exec(first);
  if (!status) throw new BadAnswer('status line');
  // No prototype: a header named `constructor` or `__proto__` is just a header.
  const headers = Object.create(null) as Record<string, string>;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (colon <= 0 || !TOKEN.test(name) || !FIELD_VALUE.test(value)) throw new BadAnswer('header line');
    const before = headers[name];
    if (before !== undefined && SINGLE.has(name) && before !== value) throw new BadAnswer(`repeated ${name}`);
    headers[name] = before === undefined || SINGLE.has(name) ? value : `${before}, ${value}`;
  }
  return { status: Number(status[2]), minorVersion: Number(status[1]), headers };
}

/** How the body of an answer to a GET is delimited (RFC 9112 6.3): chunked wins over Content-Length. */
export function framingOf(head: ResponseHead): Framing {
  if (head.status === 204 || head.status === 304) return { kind: 'length', left: 0 };
  const coding = head.headers['transfer-encoding'];
  if (coding !== undefined) {
    // The request asks for no transfer coding (no TE header): anything but plain chunked would put encoded bytes in the file.
    if (coding.trim().toLowerCase() !== 'chunked') throw new BadAnswer('transfer coding');
    return { kind: 'chunked' };
  }
  const length = head.headers['content-length'];
  if (length === undefined) return { kind: 'close' };
  const values = new Set(length.split(',').map((v) => v.trim()));
  const [only = ''] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only)) throw new BadAnswer('Content-Length');
  return { kind: 'length', left: Number(only) };
}

/** Whether the connection may carry another request after this answer (given its body was read whole). */
export function keepsAlive(head: ResponseHead): boolean {
  const tokens = (head.headers['connection'] ?? '').toLowerCase().split(',');
  if (tokens.some((t) => t.trim() === 'close')) return false;
  // Both framings in one answer is how requests are smuggled (RFC 9112 6.3): read it, then close.
  if (head.headers['transfer-encoding'] !== undefined && head.headers['content-length'] !== undefined) return false;
  return head.minorVersion === 1 && framingOf(head).kind !== 'close';
}

/** The parser of one answer on a connection; feed it with push, and finish() at the socket's end. */
export class ResponseParser {
  private headBytes: Buffer[] = [];
  private headLength = 0;
  private head: ResponseHead | undefined;
  private framing: Framing | undefined;
  private chunk: { state: ChunkState; left: number; line: string } = { state: 'size', left: 0, line: '' };
  private trailerBytes = 0;
  private done = false;

  constructor(
    private readonly events: ResponseEvents,
    /** The answer has no body whatever its headers say (a 2xx to CONNECT): end() follows head(). */
    private readonly bodyless = false,
  ) {}

  /** Whether the head has arrived. */
  get headReceived(): boolean {
    return this.head !== undefined;
  }

  /** One chunk from the socket; throws BadAnswer, or what an event handler threw. */
  push(data: Buffer): void {
    if (this.done) throw new BadAnswer('bytes after the answer');
    let rest: Buffer | undefined = data;
    while (rest !== undefined && !this.framing) rest = this.pushHead(rest);
    const framing = this.framing;
    if (rest === undefined || !framing) return;
    this.pushBody(framing, rest);
  }

  /** The socket ended: completes a body delimited by the connection's end, else throws. */
  finish(): void {
    if (this.done) return;
    if (this.framing?.kind === 'close') {
      this.done = true;
      return this.events.end(Buffer.alloc(0));
    }
    throw new BadAnswer(this.framing ? 'body cut short' : 'head cut short');
  }

  /** Collects the head; returns the bytes after it (undefined while it is incomplete). */
  private pushHead(data: Buffer): Buffer | undefined {
    // The blank line may straddle chunks: search from up to 3 bytes before this chunk.
    const back = Math.min(3, this.headLength);
    const joined = this.headBytes.length ? Buffer.concat([...this.headBytes, data]) : data;
    const at = joined.indexOf('\r\n\r\n', this.headLength - back);
    if (at < 0) {
      if (joined.length > MAX_HEAD_BYTES) throw new BadAnswer('head too large');
      this.headBytes = [joined];
      this.headLength = joined.length;
      return undefined;
    }
    if (at > MAX_HEAD_BYTES) throw new BadAnswer('head too large');
    this.headBytes = [];
    this.headLength = 0;
    const head = parseHead(joined.toString('latin1', 0, at));
    const rest = joined.subarray(at + 4);
    if (head.status < 200) {
      if (head.status === 101) throw new BadAnswer('protocol switch');
      return rest;
    }
    this.framing = this.bodyless ? { kind: 'length', left: 0 } : framingOf(head);
    this.head = head;
    this.events.head(head);
    if (this.framing.kind !== 'length' || this.framing.left > 0) return rest;
    // A body of length 0 ends with the head: end() has what followed it.
    this.complete(rest);
    return undefined;
  }

  private complete(rest: Buffer): void {
    if (this.done) return;
    this.done = true;
    this.events.end(rest);
  }

  private pushBody(framing: Framing, data: Buffer): void {
    if (framing.kind === 'close') {
      if (data.length > 0) this.events.body(data);
      return;
    }
    if (framing.kind === 'chunked') return this.pushChunked(data);
    const take = Math.min(framing.left, data.length);
    framing.left -= take;
    if (take > 0) this.events.body(take === data.length ? data : data.subarray(0, take));
    if (framing.left === 0) this.complete(data.subarray(take));
  }

  private pushChunked(data: Buffer): void {
    let at = 0;
    while (at < data.length && !this.done) {
      const c = this.chunk;
      if (c.state === 'data') {
        const take = Math.min(c.left, data.length - at);
        this.events.body(data.subarray(at, at + take));
        at += take;
        c.left -= take;
        if (c.left === 0) c.state = 'data-crlf';
        continue;
      }
      at = this.chunkLine(data, at);
    }
    if (this.done) this.events.end(data.subarray(at));
  }

  /** Reads a line (chunk size, the CRLF after data, a trailer) from `at`; returns where it stopped. */
  private chunkLine(data: Buffer, at: number): number {
    const c = this.chunk;
    const eol = data.indexOf(0x0a, at);
    const end = eol < 0 ? data.length : eol + 1;
    c.line += data.toString('latin1', at, end);
    const limit = c.state === 'trailers' ? MAX_HEAD_BYTES : MAX_CHUNK_LINE;
    if (c.line.length > limit) throw new BadAnswer('chunk line too long');
    if (eol < 0) return end;
    if (!c.line.endsWith('\r\n')) throw new BadAnswer('line ending');
    const line = c.line.slice(0, -2);
    c.line = '';
    this.chunkLineDone(line);
    return end;
  }

  private chunkLineDone(line: string): void {
    const c = this.chunk;
    if (c.state === 'data-crlf') {
      if (line !== '') throw new BadAnswer('chunk end');
      c.state = 'size';
    } else if (c.state === 'size') {
      const size = /^([0-9A-Fa-f]{1,12})[\t ]*(;[\t\x20-\x7e\x80-\xff]*)?$/.exec(line)?.[1];
      if (size === undefined) throw new BadAnswer('chunk size');
      c.left = parseInt(size, 16);
      c.state = c.left === 0 ? 'trailers' : 'data';
    } else if (line === '') {
      this.done = true;
    } else {
      // Trailers are read and dropped; together they are held to the head's limit.
      this.trailerBytes += line.length + 2;
      if (this.trailerBytes > MAX_HEAD_BYTES || line.indexOf(':') <= 0) throw new BadAnswer('trailer');
    }
  }
}
