/**
 * One request to Azure Blob Storage over node:https: the blob's properties (HEAD), or one range
 * of it (GET with Range and If-Match) streamed to a sink. Each attempt runs under one timer
 * (connect, headers and the whole body, so a range that trickles is cut) and stops at once on
 * cancel. Failures come back as AttemptFailure for the retry policy to judge. The URL carries the
 * SAS: nothing here puts it, or a response body, into an error message.
 */
import * as https from 'node:https';
import type { Agent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { AttemptOutcome } from '../http/retry';
import { errnoCode } from '../platform/errors';

export interface RequestContext {
  agentFor: (url: string) => Agent | undefined;
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

/** Reads at most 4 KiB of an error answer and picks out Azure's error code; the rest is dropped. */
async function storageCode(res: IncomingMessage): Promise<string | undefined> {
  const fromHeader = headerText(res, 'x-ms-error-code')?.trim();
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
  const fromBody = /<Code>\s*([^<\s]+)\s*<\/Code>/.exec(body)?.[1];
  const code = fromHeader || fromBody;
  return code && STORAGE_CODE.test(code) ? code : undefined;
}

interface Attempt {
  res: IncomingMessage;
  /** Clears the attempt's timer and listeners; call once the body is read. */
  finish(): void;
  timedOut(): boolean;
}

function networkFailure(error: unknown, timedOut: boolean): AttemptFailure {
  const code = errnoCode(error) ?? '';
  return new AttemptFailure({ kind: 'failure', code: timedOut ? 'ETIMEDOUT' : code, timedOut });
}

/** Starts one request; resolves when the response headers are in. */
function open(url: string, method: 'GET' | 'HEAD', headers: OutgoingHttpHeaders, ctx: RequestContext): Promise<Attempt> {
  if (ctx.stop.aborted) return Promise.reject(new Stopped());
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ctx.timeoutMs);
  const onStop = (): void => controller.abort();
  ctx.stop.addEventListener('abort', onStop, { once: true });
  const finish = (): void => {
    clearTimeout(timer);
    ctx.stop.removeEventListener('abort', onStop);
  };
  return new Promise<Attempt>((resolve, reject) => {
    const req = https.request(url, { method, headers: { ...headers, 'x-ms-version': STORAGE_VERSION }, agent: ctx.agentFor(url), signal: controller.signal });
    req.once('response', (res) => resolve({ res, finish, timedOut: () => timedOut }));
    req.once('error', (error) => {
      finish();
      reject(ctx.stop.aborted ? new Stopped() : networkFailure(error, timedOut));
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
 * 16 KiB, one TLS record), synchronously: the piece is written while it is still in the CPU's
 * cache, and none is held back. Throws to stop the range (a write that failed).
 */
export type RangeSink = (chunk: Buffer) => void;

/** The answer's headers fit the range asked for: Content-Range, Content-Length and ETag. */
function checkRangeAnswer(res: IncomingMessage, from: number, end: number, props: BlobProperties): void {
  const expected = `bytes ${from}-${end - 1}/${props.size}`;
  const got = headerText(res, 'content-range')?.trim();
  const fullAnswer = res.statusCode === 200 && from === 0 && end === props.size;
  if (!fullAnswer && got !== expected) {
    throw new UnexpectedAnswer(
      `Storage answered a range request with ${res.statusCode === 206 ? 'another range' : `HTTP ${res.statusCode} and the whole blob`}.`,
    );
  }
  const etag = headerText(res, 'etag');
  if (etag !== undefined && etag !== props.etag) throw new EtagChanged();
  const length = headerText(res, 'content-length');
  if (length !== undefined && Number(length) !== end - from) throw new OverlongAnswer(end - from);
}

/**
 * Hands the body to the sink piece by piece as it arrives; throws AttemptFailure when it ends
 * early (everything that arrived before is in the sink: a retry continues after it).
 */
function drain(attempt: Attempt, expected: number, sink: RangeSink, stop: AbortSignal): Promise<void> {
  const { res } = attempt;
  let received = 0;
  let settled = false;
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      res.off('data', onData);
      attempt.finish();
      if (error === undefined) return resolve();
      res.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      if (settled) return;
      // Never more than the range: a body that runs on is cut here, its excess never written.
      if (received + chunk.length > expected) return settle(new OverlongAnswer(expected));
      try {
        sink(chunk);
      } catch (error) {
        return settle(new WriteFailure(error));
      }
      received += chunk.length;
    };
    const cut = (error?: unknown): void => settle(stop.aborted ? new Stopped() : networkFailure(error, attempt.timedOut()));
    res.on('data', onData);
    res.on('error', cut);
    res.once('close', () => cut(Object.assign(new Error('closed'), { code: 'ECONNRESET' })));
    res.once('end', () => settle(received === expected ? undefined : new AttemptFailure({ kind: 'failure', code: 'ERR_BAD_RESPONSE', timedOut: false })));
  });
}

/**
 * GET bytes [from, end) of the blob, only while it still has `etag`, into the sink. Bytes that
 * arrived before a failure have been given to the sink (a retry continues after them).
 */
export async function getRange(url: string, from: number, end: number, props: BlobProperties, sink: RangeSink, ctx: RequestContext): Promise<void> {
  const headers = { Range: `bytes=${from}-${end - 1}`, 'If-Match': props.etag };
  const attempt = await open(url, 'GET', headers, ctx);
  const { res } = attempt;
  if (res.statusCode !== 206 && res.statusCode !== 200) {
    throw await answerFailure(attempt);
  }
  try {
    checkRangeAnswer(res, from, end, props);
  } catch (error) {
    res.destroy();
    attempt.finish();
    throw error;
  }
  await drain(attempt, end - from, sink, ctx.stop);
}
