/**
 * The team's own storage account as the emulator plays it for LcsDatabaseBackupCopy@1, at
 * `/copystore/<container>/<blob>` (path-style, like Azurite: the account is "copystore"): Copy
 * Blob from a backup's FileLocation in the emulator's blob storage (blobs.ts) that stays `pending`
 * for `copyMs` with `x-ms-copy-progress` growing, Get Blob Properties, Abort Copy Blob, and the
 * refusals users meet. What Azurite cannot show: its copies end at once, within one instance.
 * Source: Azure Storage REST reference (Copy Blob, Get Blob Properties, Abort Copy Blob, error
 * codes AuthorizationPermissionMismatch, AuthorizationFailure, BlobAlreadyExists, ServerBusy).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlobStore } from './blobs';

export const COPY_PATH = /^\/copystore\/([^/]+)\/(.+)$/;
/** The signature of the destination container SAS the emulator accepts. */
export const DEST_SAS_SIG = 'emulator-destination-sig/Kq3+Zz9=';

export interface CopyFaults {
  /** This many copies fail half-way because the source SAS expires (403 AuthenticationFailed); the SAS is revoked. */
  sourceExpiresMidCopy?: number;
  /** Every copy fails half-way with this description (e.g. `500 InternalError`). */
  failWith?: string;
  /** Every request is refused: the identity has no data role. */
  missingRole?: boolean;
  /** Every request is refused by the account's firewall. */
  firewall?: boolean;
  /** The first n Copy Blob requests are answered 503 ServerBusy. */
  busyFirst?: number;
  /** The copied blob's Content-MD5 differs from the source's (a damaged copy). */
  wrongMd5?: boolean;
}

interface CopiedBlob {
  copyId: string;
  status: 'pending' | 'success' | 'failed' | 'aborted';
  started: number;
  total: number;
  md5?: string;
  sourceSig: string;
  description?: string;
  metadata: Record<string, string>;
  failsAt?: number;
}

export interface CopyStore {
  containers: Set<string>;
  blobs: Map<string, CopiedBlob>;
  /** How long a copy stays pending. */
  copyMs: number;
  faults: CopyFaults;
  /** Bearer tokens it accepts (the emulator's issued storage tokens). */
  tokens: () => string[];
  starts: number;
  aborts: number;
}

export function newCopyStore(tokens: () => string[]): CopyStore {
  return { containers: new Set(['dest']), blobs: new Map(), copyMs: 1500, faults: {}, tokens, starts: 0, aborts: 0 };
}

/** A container SAS URL for `/copystore/<container>` that the emulator accepts. */
export function destinationSasUrl(baseUrl: string, container: string): string {
  return `${baseUrl}/copystore/${container}?sv=2023-11-03&sr=c&sp=racw&se=2099-01-01T00%3A00%3A00Z&sig=${encodeURIComponent(DEST_SAS_SIG)}`;
}

function storageError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'x-ms-error-code': code, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Authentication and authorization, in the service's order; true when answered. */
function refused(store: CopyStore, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const sasOk = url.searchParams.get('sig') === DEST_SAS_SIG;
  if (!sasOk && (!bearer || !store.tokens().includes(bearer))) {
    storageError(
      res,
      403,
      'AuthenticationFailed',
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    );
  } else if (store.faults.firewall) {
    storageError(res, 403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.');
  } else if (store.faults.missingRole && bearer) {
    storageError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
  } else {
    return false;
  }
  return true;
}

/** Brings a pending copy up to date: success, or the failure it was scripted to meet. */
function advance(store: CopyStore, blob: CopiedBlob, sources: BlobStore): void {
  if (blob.status !== 'pending') return;
  const elapsed = Date.now() - blob.started;
  if (blob.failsAt !== undefined && elapsed >= store.copyMs * blob.failsAt) {
    blob.status = 'failed';
    sources.sas.delete(blob.sourceSig);
  } else if (elapsed >= store.copyMs) {
    blob.status = 'success';
  }
}

function copied(store: CopyStore, blob: CopiedBlob): number {
  if (blob.status === 'success') return blob.total;
  const fraction = Math.min(1, (Date.now() - blob.started) / store.copyMs);
  return blob.status === 'aborted' ? 0 : Math.floor(blob.total * fraction);
}

function properties(store: CopyStore, res: ServerResponse, blob: CopiedBlob): void {
  const length = blob.status === 'success' ? blob.total : 0;
  res.writeHead(200, {
    'Content-Length': String(length),
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-copy-id': blob.copyId,
    'x-ms-copy-status': blob.status,
    'x-ms-copy-progress': `${copied(store, blob)}/${blob.total}`,
    ...(blob.description ? { 'x-ms-copy-status-description': blob.description } : {}),
    ...(blob.md5 && blob.status === 'success' ? { 'Content-MD5': blob.md5 } : {}),
    ...Object.fromEntries(Object.entries(blob.metadata).map(([k, v]) => [`x-ms-meta-${k}`, v])),
  });
  res.end();
}

function startCopy(store: CopyStore, sources: BlobStore, req: IncomingMessage, res: ServerResponse, key: string): void {
  if (store.faults.busyFirst && store.faults.busyFirst > 0) {
    store.faults.busyFirst--;
    return storageError(res, 503, 'ServerBusy', 'The server is busy.');
  }
  const existing = store.blobs.get(key);
  if (existing && req.headers['if-none-match'] === '*') return storageError(res, 409, 'BlobAlreadyExists', 'The specified blob already exists.');
  if (existing?.status === 'pending') return storageError(res, 409, 'PendingCopyOperation', 'There is currently a pending copy operation.');
  const source = new URL(String(req.headers['x-ms-copy-source'] ?? ''), 'https://invalid');
  const sig = source.searchParams.get('sig') ?? '';
  const sas = sources.sas.get(sig);
  const blob = sas ? sources.blobs.get(sas.blob) : undefined;
  if (!blob) return storageError(res, 403, 'CannotVerifyCopySource', 'Server failed to authenticate the request.');
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-ms-meta-')) metadata[k.slice(10)] = String(v);
  const expires = (store.faults.sourceExpiresMidCopy ?? 0) > 0;
  if (expires) store.faults.sourceExpiresMidCopy!--;
  const failing = expires || store.faults.failWith !== undefined;
  const copy: CopiedBlob = {
    copyId: randomUUID(),
    status: 'pending',
    started: Date.now(),
    total: blob.size,
    sourceSig: sig,
    metadata,
    md5: store.faults.wrongMd5 ? randomBytes(16).toString('base64') : blob.md5,
    failsAt: failing ? 0.5 : undefined,
    description: expires
      ? '403 AuthenticationFailed "Server failed to authenticate the request. Signed expiry time must be after signed start time."'
      : store.faults.failWith,
  };
  store.blobs.set(key, copy);
  store.starts++;
  res.writeHead(202, { 'x-ms-copy-id': copy.copyId, 'x-ms-copy-status': 'pending', 'Content-Length': '0' });
  res.end();
}

function abortCopy(store: CopyStore, res: ServerResponse, blob: CopiedBlob | undefined, copyId: string | null): void {
  if (!blob || blob.copyId !== copyId)
    return storageError(res, 409, 'CopyIdMismatch', 'The specified copy ID did not match the copy ID for the pending copy operation.');
  if (blob.status !== 'pending') return storageError(res, 409, 'NoPendingCopyOperation', 'There is currently no pending copy operation.');
  blob.status = 'aborted';
  blob.description = 'Aborted by the client';
  store.aborts++;
  res.writeHead(204, { 'Content-Length': '0' });
  res.end();
}

/** Handles a request under /copystore. */
export function handleCopyStore(store: CopyStore, sources: BlobStore, req: IncomingMessage, res: ServerResponse, container: string, name: string): void {
  const url = new URL(req.url ?? '/', 'https://x');
  if (refused(store, req, res, url)) return;
  if (!store.containers.has(container)) return storageError(res, 404, 'ContainerNotFound', 'The specified container does not exist.');
  const key = `${container}/${decodeURIComponent(name)}`;
  const blob = store.blobs.get(key);
  if (blob) advance(store, blob, sources);
  if (req.method === 'HEAD') {
    if (!blob) return storageError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    return properties(store, res, blob);
  }
  if (req.method === 'PUT' && url.searchParams.get('comp') === 'copy') return abortCopy(store, res, blob, url.searchParams.get('copyid'));
  if (req.method === 'PUT' && req.headers['x-ms-copy-source']) return startCopy(store, sources, req, res, key);
  storageError(res, 400, 'UnsupportedHttpVerb', "The resource doesn't support the specified HTTP verb.");
}
