/**
 * The blob side of the emulator: what Azure Blob Storage does with a backup's FileLocation (a SAS
 * URL): HEAD and ranged GETs with ETag, If-Match (412), the stored MD5 (Content-MD5 /
 * x-ms-blob-content-md5), XML errors with x-ms-error-code, and the faults real downloads meet: a
 * SAS that stops working at a chosen byte, cut responses, 503s, per-connection throttling, a blob
 * that changes, a network that goes silent. Content is generated, so a 4 GiB blob costs no memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface BlobFaults {
  /** A SAS stops working (403 AuthenticationFailed) once this many bytes were served with it. */
  sasExpiresAfterBytes?: number;
  /** Every n-th GET is cut half-way through its body. */
  cutEveryNth?: number;
  /** The first n GETs are answered 503 ServerBusy. */
  serverBusyFirst?: number;
  /** Per-connection limit, bytes per second (how one stream to cloud storage behaves). */
  bytesPerSecondPerConnection?: number;
  /** Once this many bytes were served, the blob is replaced by another version (new ETag). */
  changeAfterBytes?: number;
  /** Once this many bytes were served, requests are accepted and never answered. */
  hangAfterBytes?: number;
  /**
   * The first n range answers run past the range (a broken proxy or storage front end): 'length'
   * says a longer Content-Length and sends it; 'chunked' sends no length and 1 MiB too many;
   * 'endless' sends no length and keeps going (up to 256 MiB) until the client hangs up.
   */
  overlong?: { mode: 'length' | 'chunked' | 'endless'; first: number };
  /** If-Match is ignored (a caching proxy): a changed blob is served with its new ETag in 206 answers. */
  ignoreIfMatch?: boolean;
  /** The HEAD's Content-MD5 is this text instead of the blob's MD5 (e.g. hex, not base64). */
  rawContentMd5?: string;
  /** Every request is refused 403 AuthorizationFailure (a network rule or firewall of the account). */
  firewall?: boolean;
  /** Something on the way drops x-ms-version: storage answers at the SAS's version (no error code on a HEAD). */
  dropVersion?: boolean;
}

export interface EmulatedBlob {
  name: string;
  size: number;
  etag: string;
  /** Stored whole-blob MD5 (base64); undefined: the blob has none. */
  md5?: string;
  /** Content seed: another seed is another version of the blob. */
  seed: number;
  faults: BlobFaults;
  /** Body bytes served, all requests together. */
  servedBytes: number;
  gets: number;
}

interface Sas {
  blob: string;
  served: number;
}

export interface BlobStore {
  blobs: Map<string, EmulatedBlob>;
  sas: Map<string, Sas>;
  /** Every URL handed out (secrets: tests check none appears in a log). */
  issuedUrls: string[];
  /** Called after every piece of body written, with the blob (tests kill the task at some byte). */
  onServed?: (blob: EmulatedBlob) => void;
}

export function newBlobStore(): BlobStore {
  return { blobs: new Map(), sas: new Map(), issuedUrls: [] };
}

// A pattern whose length is prime, so ranges at wrong offsets never happen to match.
const PATTERN_BYTES = 1024 * 1024 + 7;
const patterns = new Map<number, Buffer>();

function pattern(seed: number): Buffer {
  let p = patterns.get(seed);
  if (!p) {
    p = Buffer.alloc(PATTERN_BYTES);
    let block = createHash('sha256').update(`blob-${seed}`).digest();
    for (let i = 0; i < PATTERN_BYTES; i += block.length) {
      block.copy(p, i);
      block = createHash('sha256').update(block).digest();
    }
    patterns.set(seed, p);
  }
  return p;
}

/** The blob's bytes [offset, offset + length) of version `seed`. */
export function blobBytes(seed: number, offset: number, length: number): Buffer {
  const p = pattern(seed);
  const out = Buffer.allocUnsafe(length);
  for (let done = 0; done < length;) {
    const at = (offset + done) % PATTERN_BYTES;
    done += p.copy(out, done, at, Math.min(PATTERN_BYTES, at + length - done));
  }
  return out;
}

/**
 * The same bytes for the body writer: a view of the pattern, not a copy, when the piece does not
 * wrap around it (most do). Serving a 1 GiB blob at a few hundred MiB/s shares the bench's two
 * cores with the task; a copy per piece is CPU that Azure Storage would not take from the agent.
 */
function servedPiece(seed: number, offset: number, length: number): Buffer {
  const at = offset % PATTERN_BYTES;
  return at + length <= PATTERN_BYTES ? pattern(seed).subarray(at, at + length) : blobBytes(seed, offset, length);
}

/** MD5 (base64) of a generated blob. */
export function blobMd5(seed: number, size: number): string {
  const hash = createHash('md5');
  for (let offset = 0; offset < size; offset += 4 * 1024 * 1024) {
    hash.update(blobBytes(seed, offset, Math.min(4 * 1024 * 1024, size - offset)));
  }
  return hash.digest('base64');
}

function newEtag(): string {
  return `"0x8DC${randomBytes(6).toString('hex').toUpperCase()}"`;
}

export interface BlobSpec {
  size: number;
  /** Default true: the blob carries its MD5. */
  withMd5?: boolean;
  /** A wrong stored MD5 (a damaged upload). */
  wrongMd5?: boolean;
  faults?: BlobFaults;
  seed?: number;
}

export function addBlob(store: BlobStore, name: string, spec: BlobSpec): EmulatedBlob {
  const seed = spec.seed ?? store.blobs.size + 1;
  const md5 = spec.withMd5 === false ? undefined : spec.wrongMd5 ? blobMd5(seed + 1000, spec.size) : blobMd5(seed, spec.size);
  const blob: EmulatedBlob = { name, size: spec.size, etag: newEtag(), md5, seed, faults: spec.faults ?? {}, servedBytes: 0, gets: 0 };
  store.blobs.set(name, blob);
  return blob;
}

/** A new read-only SAS URL for the blob, like the FileLocation LCS hands out. */
export function blobSasUrl(store: BlobStore, baseUrl: string, name: string): string {
  const sig = randomBytes(32).toString('base64');
  store.sas.set(sig, { blob: name, served: 0 });
  const se = new Date(Date.now() + 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const url = `${baseUrl}/blobstore/backups/${encodeURIComponent(name)}?sv=2021-08-06&sr=b&sp=r&se=${encodeURIComponent(se)}&sig=${encodeURIComponent(sig)}`;
  store.issuedUrls.push(url);
  return url;
}

export const BLOB_PATH = /^\/blobstore\/backups\/([^/]+)$/;

/**
 * An error answer. A request without x-ms-version is answered at the SAS's `sv` (LCS's SAS:
 * 2015-12-11), where an error to a HEAD carries no x-ms-error-code (and a HEAD has no body).
 */
function storageError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const body = `\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomBytes(8).toString('hex')}\nTime:${new Date().toISOString()}</Message></Error>`;
  const codeHeader = res.req.method === 'HEAD' && !res.req.headers['x-ms-version'] ? {} : { 'x-ms-error-code': code };
  res.writeHead(status, { 'Content-Type': 'application/xml', ...codeHeader, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Whether the request may go on; answers it when not (403, 404, 503, hang). */
function admit(store: BlobStore, req: IncomingMessage, res: ServerResponse, name: string, hanging: Set<Socket>): EmulatedBlob | undefined {
  const url = new URL(req.url ?? '/', 'https://x');
  const sas = store.sas.get(url.searchParams.get('sig') ?? '');
  const blob = store.blobs.get(name);
  if (blob?.faults.dropVersion) delete req.headers['x-ms-version'];
  // Like Azure, the error text echoes the request, SAS included: a client must never print it.
  const echo = `Server failed to authenticate the request. Request: ${req.url}`;
  if (!sas || sas.blob !== name) {
    storageError(res, 403, 'AuthenticationFailed', `${echo} Signature did not match.`);
    return undefined;
  }
  if (blob?.faults.sasExpiresAfterBytes !== undefined && sas.served >= blob.faults.sasExpiresAfterBytes) {
    storageError(res, 403, 'AuthenticationFailed', `${echo} Signed expiry time [${url.searchParams.get('se')}] must be after signed start time.`);
    return undefined;
  }
  if (blob?.faults.firewall) {
    storageError(res, 403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.');
    return undefined;
  }
  if (!blob) {
    storageError(res, 404, 'BlobNotFound', `The specified blob does not exist. ${req.url}`);
    return undefined;
  }
  if (blob.faults.hangAfterBytes !== undefined && blob.servedBytes >= blob.faults.hangAfterBytes) {
    hanging.add(req.socket);
    req.socket.once('close', () => hanging.delete(req.socket));
    return undefined;
  }
  if (blob.faults.changeAfterBytes !== undefined && blob.servedBytes >= blob.faults.changeAfterBytes) {
    blob.faults.changeAfterBytes = undefined;
    blob.seed += 1000;
    blob.etag = newEtag();
    blob.md5 = blob.md5 === undefined ? undefined : blobMd5(blob.seed, blob.size);
  }
  return blob;
}

function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'none' | 'invalid' {
  if (!value) return 'none';
  const m = /^bytes=(\d+)-(\d*)$/.exec(value.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start < size && start <= end ? { start, end: end + 1 } : 'invalid';
}

function baseHeaders(blob: EmulatedBlob): Record<string, string> {
  return { ETag: blob.etag, 'Last-Modified': new Date(0).toUTCString(), 'Accept-Ranges': 'bytes', 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2021-08-06' };
}

/** Resolves on 'drain' or 'close', whichever comes first, and removes both listeners. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

const socketFreeAt = new WeakMap<Socket, number>();
const PIECE = 64 * 1024;
const THROTTLE_BURST_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes the body in pieces: throttled per connection, cut when asked, counted per SAS and blob; `extra` bytes past the range. */
async function writeBody(
  store: BlobStore,
  blob: EmulatedBlob,
  sas: Sas,
  res: ServerResponse,
  start: number,
  end: number,
  cut: boolean,
  extra = 0,
): Promise<void> {
  const stopAt = cut ? start + Math.floor((end - start) / 2) : end + extra;
  const seed = blob.seed;
  const rate = blob.faults.bytesPerSecondPerConnection;
  for (let at = start; at < stopAt && !res.destroyed;) {
    const length = Math.min(PIECE, stopAt - at);
    const socket = res.socket;
    if (rate && socket) {
      const now = performance.now();
      // A token bucket 50 ms deep: a timer that fires late (a busy event loop) is made up for,
      // so the cap is a rate, not a rate minus the machine's timer latency.
      const freeAt = Math.max(now - THROTTLE_BURST_MS, socketFreeAt.get(socket) ?? now);
      socketFreeAt.set(socket, freeAt + (length / rate) * 1000);
      if (freeAt - now >= 1) await sleep(freeAt - now);
    }
    const ok = res.write(servedPiece(seed, at, length));
    at += length;
    sas.served += length;
    blob.servedBytes += length;
    store.onServed?.(blob);
    if (!ok && !res.destroyed) await drained(res);
  }
  if (cut) {
    setTimeout(() => res.socket?.destroy(), 25).unref();
  } else {
    res.end();
  }
}

export async function handleBlob(store: BlobStore, req: IncomingMessage, res: ServerResponse, name: string, hanging: Set<Socket>): Promise<void> {
  const blob = admit(store, req, res, decodeURIComponent(name), hanging);
  if (!blob) return;
  const sas = store.sas.get(new URL(req.url ?? '/', 'https://x').searchParams.get('sig') ?? '')!;
  const headers = baseHeaders(blob);
  if (req.method === 'HEAD') {
    const md5 = blob.faults.rawContentMd5 ?? blob.md5;
    res.writeHead(200, { ...headers, 'Content-Length': String(blob.size), ...(md5 ? { 'Content-MD5': md5 } : {}) });
    res.end();
    return;
  }
  if (req.method !== 'GET') return storageError(res, 405, 'UnsupportedHttpVerb', "The resource doesn't support the specified HTTP verb.");
  blob.gets++;
  if (blob.faults.serverBusyFirst && blob.gets <= blob.faults.serverBusyFirst) {
    return storageError(res, 503, 'ServerBusy', 'The server is busy.', { 'Retry-After': '1' });
  }
  const ifMatch = req.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && ifMatch !== blob.etag && !blob.faults.ignoreIfMatch) {
    return storageError(res, 412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
  }
  const range = parseRange((req.headers['x-ms-range'] as string | undefined) ?? req.headers.range, blob.size);
  if (range === 'invalid') return storageError(res, 416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
  const { start, end } = range === 'none' ? { start: 0, end: blob.size } : range;
  const md5Header: Record<string, string> = blob.md5 ? (range === 'none' ? { 'Content-MD5': blob.md5 } : { 'x-ms-blob-content-md5': blob.md5 }) : {};
  const rangeHeader: Record<string, string> = range === 'none' ? {} : { 'Content-Range': `bytes ${start}-${end - 1}/${blob.size}` };
  const all = { ...headers, ...md5Header, ...rangeHeader, 'Content-Length': String(end - start), 'Content-Type': 'application/octet-stream' };
  for (const [key, value] of Object.entries(all)) res.setHeader(key, value);
  res.statusCode = range === 'none' ? 200 : 206;
  const cut = !!blob.faults.cutEveryNth && blob.gets % blob.faults.cutEveryNth === 0;
  const extra = overlongExtra(blob, res, range === 'none');
  await writeBody(store, blob, sas, res, start, end, cut, extra);
}

const OVERLONG_EXTRA: Record<string, number> = { length: 4096, chunked: 1024 * 1024, endless: 256 * 1024 * 1024 };

/** Bytes past the range for an over-long answer (and its Content-Length, or none for a chunked one). */
function overlongExtra(blob: EmulatedBlob, res: ServerResponse, whole: boolean): number {
  const overlong = blob.faults.overlong;
  if (!overlong || whole || blob.gets > overlong.first) return 0;
  const extra = OVERLONG_EXTRA[overlong.mode];
  const length = Number(res.getHeader('Content-Length'));
  if (overlong.mode === 'length') res.setHeader('Content-Length', String(length + extra));
  else res.removeHeader('Content-Length');
  return extra;
}
