/**
 * One request to Azure Blob Storage: the blob's properties (HEAD, over node:https), or one range
 * of it (GET with Range and If-Match, HTTP/1.1 spoken on a kept-alive TLS socket) streamed to a
 * sink. Each attempt runs under one timer (connect, headers and the whole body, so a range that
 * trickles is cut) and stops at once on cancel. Failures come back as AttemptFailure for the
 * retry policy to judge. The URL carries the SAS: nothing here puts it, or a response body, into
 * an error message.
 */
import * as https from 'node:https';
import type { Agent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AttemptOutcome } from '../http/retry';
import { BadAnswer, ResponseEvents, ResponseHead, ResponseParser, framingOf, keepsAlive } from '../http/responseParser';
import type { SocketPool } from '../http/socketPool';
import { ProxyRefused } from '../http/tunnel';
import { errnoCode } from '../platform/errors';

export interface RequestContext {
  /** The HEAD's connections. */
  agentFor: (url: string) => Agent | undefined;
  /** The range GETs' connections (kept alive from one range to the next). */
  sockets: SocketPool;
  /** Aborted when the step is cancelled or the download stops for another reason. */
  stop: AbortSignal;
  timeoutMs: number;
}

export interface BlobProperties {
  size: number;
  etag: string;
  /** The stored whole-blob MD5, base64, when the blob has one. */
  md5?: string;
  /** The blob has a Content-MD5 that is not a base64 MD5 (so only length and ETag can be checked). */
  badMd5?: boolean;
}

/**
 * The storage service version every request asks for (as AzCopy sends one). Without it Azure
 * answers at the SAS's `sv` (LCS's SAS: 2015-12-11), where an error answer to a HEAD has no code.
 */
export const STORAGE_VERSION = '2025-11-05';

/** A failed attempt: an HTTP answer other than the one expected, or no (complete) answer. */
export class AttemptFailure extends Error {
  constructor(
    readonly outcome: AttemptOutcome,
    /** Azure's error code (x-ms-error-code, or <Code> of the XML body), e.g. AuthenticationFailed. */
    readonly storageCode?: string,
  ) {
    super(outcome.kind === 'response' ? `HTTP ${outcome.status}${storageCode ? ` ${storageCode}` : ''}` : outcome.code);
    this.name = 'AttemptFailure';
  }

  get status(): number | undefined {
    return this.outcome.kind === 'response' ? this.outcome.status : undefined;
  }
}

/** The download was stopped (cancel, or another range failed for good). */
export class Stopped extends Error {
  constructor() {
    super('stopped');
    this.name = 'Stopped';
  }
}

/** Storage's answer was not what a blob download expects (a proxy page, a wrong range). */
export class UnexpectedAnswer extends Error {}

/**
 * An answer with more bytes than were asked for (a longer Content-Length, or a body that runs on):
 * a failed attempt, tried again; none of its bytes past the range are written.
 */
export class OverlongAnswer extends AttemptFailure {
  constructor(readonly asked: number) {
    super({ kind: 'failure', code: 'ERR_BAD_RESPONSE', timedOut: false });
    this.name = 'OverlongAnswer';
  }
}

/** A 206 answer with another ETag than the HEAD's: the blob changed and If-Match was not honoured. */
export class EtagChanged extends Error {
  constructor() {
    super('etag changed');
    this.name = 'EtagChanged';
  }
}

/** Writing received bytes failed (disk full, file removed): not a network failure, never retried. */
export class WriteFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(`write failed: ${errnoCode(cause) ?? String(cause)}`);
    this.name = 'WriteFailure';
  }
}

const MAX_ERROR_BODY = 4096;
const STORAGE_CODE = /^[A-Za-z][A-Za-z0-9]{0,80}$/;

function headerText(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Azure's error code of an answer: x-ms-error-code, or <Code> of its (first 4 KiB of) XML body. */
function codeOf(fromHeader: string | undefined, body: string): string | undefined {
  const fromBody = /<Code>\s*([^<\s]+)\s*<\/Code>/.exec(body)?.[1];
  const code = fromHeader?.trim() || fromBody;
  return code && STORAGE_CODE.test(code) ? code : undefined;
}

/** Reads at most 4 KiB of an error answer and picks out Azure's error code; the rest is dropped. */
async function storageCode(res: IncomingMessage): Promise<string | undefined> {
  let body = '';
  try {
    for await (const chunk of res) {
      body += (chunk as Buffer).toString('utf8');
      if (body.length >= MAX_ERROR_BODY) break;
    }
  } catch {
    // An error answer cut short still has its status.
  }
  res.destroy();
  return codeOf(headerText(res, 'x-ms-error-code'), body);
}

interface Attempt {
  res: IncomingMessage;
  /** Clears the attempt's timer and listeners; call once the body is read. */
  finish(): void;
}

function networkFailure(error: unknown, timedOut: boolean): AttemptFailure {
  const code = errnoCode(error) ?? '';
  return new AttemptFailure({ kind: 'failure', code: timedOut ? 'ETIMEDOUT' : code, timedOut });
}

/** One attempt's timer and stop: `signal` aborts on either; `failure` turns an error into the attempt's failure. */
interface Guard {
  signal: AbortSignal;
  /** Clears the timer and the stop listener; call once the attempt is over. */
  finish(): void;
  failure(error: unknown): Error;
}

function guardFor(ctx: RequestContext): Guard {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ctx.timeoutMs);
  const onStop = (): void => controller.abort();
  ctx.stop.addEventListener('abort', onStop, { once: true });
  return {
    signal: controller.signal,
    finish: () => {
      clearTimeout(timer);
      ctx.stop.removeEventListener('abort', onStop);
    },
    failure: (error) => {
      if (ctx.stop.aborted) return new Stopped();
      // The proxy's refusal of the tunnel ends the request as the proxy's answer would (a 407 asks for credentials).
      if (error instanceof ProxyRefused) return new AttemptFailure({ kind: 'response', status: error.head.status, headers: error.head.headers });
      return networkFailure(error, timedOut);
    },
  };
}

/** Starts one request; resolves when the response headers are in. */
function open(url: string, method: 'GET' | 'HEAD', headers: OutgoingHttpHeaders, ctx: RequestContext): Promise<Attempt> {
  if (ctx.stop.aborted) return Promise.reject(new Stopped());
  const guard = guardFor(ctx);
  return new Promise<Attempt>((resolve, reject) => {
    const req = https.request(url, { method, headers: { ...headers, 'x-ms-version': STORAGE_VERSION }, agent: ctx.agentFor(url), signal: guard.signal });
    req.once('response', (res) => resolve({ res, finish: guard.finish }));
    req.once('error', (error) => {
      guard.finish();
      reject(guard.failure(error));
    });
    req.end();
  });
}

/** The failure for an answer with an unexpected status (reads Azure's error code first). */
async function answerFailure(attempt: Attempt): Promise<AttemptFailure> {
  const code = await storageCode(attempt.res);
  attempt.finish();
  return new AttemptFailure({ kind: 'response', status: attempt.res.statusCode ?? 0, headers: flatHeaders(attempt.res) }, code);
}

/** HEAD: size, ETag and stored MD5 of the blob. */
export async function blobProperties(url: string, ctx: RequestContext): Promise<BlobProperties> {
  const attempt = await open(url, 'HEAD', {}, ctx);
  const { res } = attempt;
  if (res.statusCode !== 200) {
    throw await answerFailure(attempt);
  }
  res.resume();
  attempt.finish();
  const size = Number(headerText(res, 'content-length'));
  const etag = headerText(res, 'etag');
  if (!Number.isSafeInteger(size) || size < 0 || !etag) {
    throw new UnexpectedAnswer('The storage answer has no Content-Length or ETag: it does not look like Azure Blob Storage.');
  }
  const md5 = headerText(res, 'content-md5')?.trim();
  if (!md5) return { size, etag };
  return /^[A-Za-z0-9+/]{22}==$/.test(md5) ? { size, etag, md5 } : { size, etag, badMd5: true };
}

/**
 * Receives the bytes of one range, in order, each piece as it arrives from the socket (about
 * 16 KiB, one TLS record), synchronously, as a view of what the socket decrypted (the sink may
 * keep it: transfer.ts gathers a few before writing them). Throws to stop the range (a write that failed).
 */
export type RangeSink = (chunk: Buffer) => void;

/** The answer's head fits the range asked for: Content-Range, Content-Length and ETag. */
function checkRangeAnswer(head: ResponseHead, from: number, end: number, props: BlobProperties): void {
  const { status, headers } = head;
  const expected = `bytes ${from}-${end - 1}/${props.size}`;
  const got = headers['content-range']?.trim();
  const fullAnswer = status === 200 && from === 0 && end === props.size;
  if (!fullAnswer && got !== expected) {
    throw new UnexpectedAnswer(`Storage answered a range request with ${status === 206 ? 'another range' : `HTTP ${status} and the whole blob`}.`);
  }
  const etag = headers['etag'];
  if (etag !== undefined && etag !== props.etag) throw new EtagChanged();
  // The length the body is read to (a chunked body is framed by its chunks, whatever Content-Length says, RFC 9112 6.3).
  const framing = framingOf(head);
  if (framing.kind === 'length' && framing.left !== end - from) throw new OverlongAnswer(end - from);
}

function badResponse(): AttemptFailure {
  return new AttemptFailure({ kind: 'failure', code: 'ERR_BAD_RESPONSE', timedOut: false });
}

/**
 * One range's answer as the parser hands it over: the head checked, the body given to the sink
 * piece by piece (never a byte past the range), or an error answer's first 4 KiB kept for its
 * code. `outcome` is set once the answer is complete.
 */
class RangeAnswer implements ResponseEvents {
  /** Some byte of the answer arrived. */
  heard = false;
  outcome: { error?: Error; reusable: boolean } | undefined;
  private answerHead: ResponseHead | undefined;
  private received = 0;
  private errorBody = '';

  constructor(
    private readonly from: number,
    private readonly until: number,
    private readonly props: BlobProperties,
    private readonly sink: RangeSink,
  ) {}

  private get ok(): boolean {
    return this.answerHead?.status === 206 || this.answerHead?.status === 200;
  }

  head(head: ResponseHead): void {
    this.answerHead = head;
    if (this.ok) checkRangeAnswer(head, this.from, this.until, this.props);
  }

  body(piece: Buffer): void {
    if (this.outcome) return;
    if (!this.ok) {
      this.errorBody += piece.toString('utf8');
      if (this.errorBody.length >= MAX_ERROR_BODY) this.outcome = { error: this.statusFailure(), reusable: false };
      return;
    }
    // Never more than the range: a body that runs on is cut here, its excess never written.
    if (this.received + piece.length > this.until - this.from) throw new OverlongAnswer(this.until - this.from);
    try {
      this.sink(piece);
    } catch (error) {
      throw new WriteFailure(error);
    }
    this.received += piece.length;
  }

  end(rest: Buffer): void {
    if (this.outcome) return;
    const head = this.answerHead;
    if (!head || !this.ok) {
      this.outcome = { error: this.statusFailure(), reusable: false };
    } else if (this.received !== this.until - this.from) {
      this.outcome = { error: badResponse(), reusable: false };
    } else {
      this.outcome = { reusable: rest.length === 0 && keepsAlive(head) };
    }
  }

  private statusFailure(): AttemptFailure {
    if (!this.answerHead) return badResponse();
    const { status, headers } = this.answerHead;
    return new AttemptFailure({ kind: 'response', status, headers }, codeOf(headers['x-ms-error-code'], this.errorBody));
  }
}

/** Sends the request and feeds the answer to `answer`; resolves whether the socket may carry another request. */
function exchange(socket: TLSSocket, request: string, answer: RangeAnswer, guard: Guard): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const parser = new ResponseParser(answer);
    let settled = false;
    const settle = (error: Error | undefined, reusable = false): void => {
      if (settled) return;
      settled = true;
      socket.off('data', onData).off('end', onCut).off('close', onCut).off('error', onError);
      guard.signal.removeEventListener('abort', onAbort);
      if (error !== undefined || !reusable) socket.destroy();
      return error === undefined ? resolve(reusable) : reject(error);
    };
    const onData = (chunk: Buffer): void => {
      answer.heard = true;
      try {
        parser.push(chunk);
      } catch (error) {
        // The parser's BadAnswer, or the answer's own verdict (overlong, another ETag, a failed write).
        return settle(error instanceof BadAnswer ? badResponse() : (error as Error));
      }
      if (answer.outcome) settle(answer.outcome.error, answer.outcome.reusable);
    };
    const onCut = (): void => {
      try {
        parser.finish();
      } catch {
        // Cut before the answer was complete: below.
      }
      if (answer.outcome) return settle(answer.outcome.error, false);
      settle(guard.failure(Object.assign(new Error('closed'), { code: 'ECONNRESET' })));
    };
    const onError = (error: Error): void => settle(guard.failure(error));
    const onAbort = (): void => settle(guard.failure(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })));
    socket.on('data', onData).once('end', onCut).once('close', onCut).once('error', onError);
    guard.signal.addEventListener('abort', onAbort, { once: true });
    if (guard.signal.aborted) return onAbort();
    socket.write(request, 'latin1');
  });
}

/** The GET of one range, as written on the socket; the ETag (from storage's answer) must be a plain header value. */
function rangeRequest(url: string, from: number, end: number, etag: string): string {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(etag)) {
    throw new UnexpectedAnswer("The storage answer's ETag is not a plain header value: it does not look like Azure Blob Storage.");
  }
  const { pathname, search, host } = new URL(url);
  const lines = [`GET ${pathname}${search} HTTP/1.1`, `Host: ${host}`, `Range: bytes=${from}-${end - 1}`, `If-Match: ${etag}`];
  return `${[...lines, `x-ms-version: ${STORAGE_VERSION}`, 'Connection: keep-alive'].join('\r\n')}\r\n\r\n`;
}

/** A kept-alive socket that the server had closed: the request never reached it, so a fresh socket tries at once. */
function staleSocket(error: unknown, reused: boolean, answer: RangeAnswer): boolean {
  const code = error instanceof AttemptFailure && error.outcome.kind === 'failure' ? error.outcome.code : '';
  return reused && !answer.heard && (code === 'ECONNRESET' || code === 'EPIPE');
}

/**
 * GET bytes [from, end) of the blob, only while it still has `etag`, into the sink, on a socket
 * of the pool (given back when the answer was read whole and the server keeps it open). Bytes
 * that arrived before a failure have been given to the sink (a retry continues after them).
 */
export async function getRange(url: string, from: number, end: number, props: BlobProperties, sink: RangeSink, ctx: RequestContext): Promise<void> {
  if (ctx.stop.aborted) throw new Stopped();
  const request = rangeRequest(url, from, end, props.etag);
  const route = ctx.sockets.route(url);
  const guard = guardFor(ctx);
  try {
    for (;;) {
      const { socket, reused } = await ctx.sockets.take(route, guard.signal).catch((error: unknown) => {
        throw guard.failure(error);
      });
      const answer = new RangeAnswer(from, end, props, sink);
      try {
        if (await exchange(socket, request, answer, guard)) ctx.sockets.give(route, socket);
        return;
      } catch (error) {
        if (!staleSocket(error, reused, answer)) throw error;
      }
    }
  } finally {
    guard.finish();
  }
}
