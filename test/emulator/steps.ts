/**
 * Scripted answers ("steps") the emulator gives instead of its default behaviour, and the code that
 * writes them, including the hostile ones (slow, hanging, truncated) real networks produce.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

export interface Step {
  /** HTTP status; default 200. */
  status?: number;
  /** Extra response headers, e.g. `{ 'Retry-After': '2' }`. */
  headers?: Record<string, string>;
  /** An object is sent as JSON, a string as raw text, undefined as an empty body. */
  body?: unknown;
  /** Wait this long before answering (after the request has been read and recorded). */
  delayMs?: number;
  /** Accept the request and never answer; the socket is destroyed by `reset()` / `close()`. */
  hang?: boolean;
  /** Send the headers with the full Content-Length, half the body, then destroy the socket. */
  cut?: boolean;
}

/** What `VersionEOL` holds while an API version is not scheduled for retirement. */
export const VERSION_EOL_NONE = '9999-12-31T23:59:59.9999999';

/** Where the emulator keeps what it must clean up when a test ends early. */
export interface StepContext {
  /** Sockets of requests that were told to hang. */
  hanging: Set<import('node:net').Socket>;
  /** Pending `delayMs` timers. */
  timers: Set<NodeJS.Timeout>;
}

/** LCS answers logical failures with 200 and `IsSuccess: false`; quote `OperationActivityId` to support. */
export function lcsFailure(message: string, activityId: string = randomUUID()): Step {
  return {
    status: 200,
    body: {
      // .NET leaves the list unset on failure; consumers must not touch it unless IsSuccess.
      DatabaseAssets: null,
      IsSuccess: false,
      OperationActivityId: activityId,
      ErrorMessage: message,
      VersionEOL: VERSION_EOL_NONE,
    },
  };
}

/** A successful list answer as text, around DatabaseAssets written as text: for answers too large or odd for JSON.stringify. */
export const LIST_ANSWER_HEAD = `{"IsSuccess":true,"OperationActivityId":"5f1c2b3a-0000-4000-8000-000000000000","ErrorMessage":null,"VersionEOL":"${VERSION_EOL_NONE}","DatabaseAssets":[`;
export const LIST_ANSWER_TAIL = ']}';

/**
 * A list answer compressed with gzip that unpacks to `mib` MiB of blanks inside the envelope:
 * valid JSON, about a thousand times larger than what is sent.
 */
export async function gzipBomb(mib: number): Promise<Step> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const ended = once(gzip, 'end');
  const blanks = Buffer.alloc(1024 * 1024, 0x20);
  gzip.write(LIST_ANSWER_HEAD);
  for (let i = 0; i < mib; i++) {
    if (!gzip.write(blanks)) await once(gzip, 'drain');
  }
  gzip.end(LIST_ANSWER_TAIL);
  await ended;
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip' }, body: Buffer.concat(parts) };
}

/** The kind of HTML page a gateway (Azure Front Door, IIS, a corporate proxy) puts in front of an API. */
export function htmlPage(status = 502): Step {
  const title = status === 503 ? '503 - Service unavailable' : `${status} - Web server received an invalid response while acting as a gateway or proxy server.`;
  const body = [
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml">',
    '<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/><title>' + title + '</title></head>',
    '<body><div id="header"><h1>Server Error</h1></div>',
    '<div id="content"><fieldset><h2>' + title + '</h2>',
    '<h3>There is a problem with the page you are looking for, and it cannot be displayed.</h3></fieldset></div>',
    '</body></html>',
  ].join('\r\n');
  return { status, headers: { 'Content-Type': 'text/html' }, body };
}

/** Serialize a step body and pick the content type the emulator would send with it. */
export function encodeBody(body: unknown): { bytes: Buffer; contentType?: string } {
  if (body === undefined) return { bytes: Buffer.alloc(0) };
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  if (Buffer.isBuffer(body)) return { bytes: body, contentType: 'application/octet-stream' };
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json; charset=utf-8' };
}

/** True when the caller already chose a header, compared case-insensitively like HTTP does. */
function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

/** Answer `req` as `step` says. Resolves once the answer is written (or abandoned). */
export async function writeStep(req: IncomingMessage, res: ServerResponse, step: Step, ctx: StepContext): Promise<void> {
  if (step.delayMs && step.delayMs > 0) await delay(step.delayMs, ctx);
  if (step.hang) {
    ctx.hanging.add(req.socket);
    req.socket.once('close', () => ctx.hanging.delete(req.socket));
    return;
  }
  if (res.destroyed || req.socket.destroyed) return;

  const headers: Record<string, string> = { ...(step.headers ?? {}) };
  const { bytes, contentType } = encodeBody(step.body);
  if (contentType && !hasHeader(headers, 'content-type')) headers['Content-Type'] = contentType;
  headers['Content-Length'] = String(bytes.length);

  if (step.cut) {
    writeCut(res, step.status ?? 200, headers, bytes);
    return;
  }
  res.writeHead(step.status ?? 200, headers);
  res.end(bytes);
}

/**
 * Promise the whole body (Content-Length), deliver half of it, then kill the connection: what a
 * reset TCP connection or a crashing gateway looks like to the client. The short pause before the
 * destroy lets the TLS layer flush the half body, so the client really sees a truncated body rather
 * than a plain connection reset.
 */
function writeCut(res: ServerResponse, status: number, headers: Record<string, string>, bytes: Buffer): void {
  const socket = res.socket;
  res.writeHead(status, headers);
  res.flushHeaders();
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
    setTimeout(() => socket?.destroy(), 25).unref();
  });
}

function delay(ms: number, ctx: StepContext): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ctx.timers.delete(timer);
      resolve();
    }, ms);
    ctx.timers.add(timer);
  });
}

/** Used by `close()`: forget pending delays (their requests die with their sockets). */
export function clearStepTimers(ctx: StepContext): void {
  for (const timer of ctx.timers) clearTimeout(timer);
  ctx.timers.clear();
}
