/**
 * The small record kept beside `<name>.partial` while a download runs: which blob it is (path,
 * ETag, size, never the SAS, which differs every run) and which ranges are complete. A later run
 * for the same target continues from it when the blob is the same one. Pure: the file I/O is in
 * partialFile.ts.
 */
import { RangePlan } from './ranges';

export const RECORD_KIND = 'lcs-backup-download';
export const RECORD_VERSION = 2;

export interface BlobIdentity {
  /** The blob's URL without its query (the SAS): scheme, host and path. */
  blob: string;
  etag: string;
  size: number;
}

export interface ResumeRecord extends BlobIdentity {
  rangeSize: number;
  /** Indices of the complete ranges (written; in the page cache at least). */
  done: number[];
  /** Indices of the ranges flushed to disk (fdatasync) before this record was written. */
  durable: number[];
  /** Which boot of the machine wrote the record (see partialFile.ts bootId). */
  boot: string;
}

/** The blob's URL without the SAS: what identifies it across runs. Never throws. */
export function blobPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '';
  }
}

function encodeBitmap(count: number, done: number[]): string {
  const bits = new Uint8Array(Math.ceil(count / 8));
  for (const i of done) {
    // A typed array reads 0 past its end; the bound check keeps every index inside.
    if (i >= 0 && i < count) bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
  }
  return Buffer.from(bits).toString('base64');
}

function decodeBitmap(count: number, text: string): number[] | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bits = Buffer.from(text, 'base64');
  if (bits.length !== Math.ceil(count / 8)) return undefined;
  const done: number[] = [];
  for (let i = 0; i < count; i++) {
    if ((bits[i >> 3] ?? 0) & (1 << (i & 7))) done.push(i);
  }
  return done;
}

/** The record as JSON; the ranges as a bitmap, so a 50 GB file's record stays about 1 KB. */
export function serializeRecord(record: ResumeRecord): string {
  const count = Math.ceil(record.size / record.rangeSize);
  return JSON.stringify({
    kind: RECORD_KIND,
    version: RECORD_VERSION,
    blob: record.blob,
    etag: record.etag,
    size: record.size,
    rangeSize: record.rangeSize,
    done: encodeBitmap(count, record.done),
    durable: encodeBitmap(count, record.durable),
    boot: record.boot,
  });
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** Reads a record; undefined for anything that is not one this version wrote (then start over). */
export function parseRecord(text: string): ResumeRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const raw = parsed as Record<string, unknown>;
  if (raw.kind !== RECORD_KIND || raw.version !== RECORD_VERSION) return undefined;
  const { blob, etag, size, rangeSize, done, durable, boot } = raw;
  if (typeof blob !== 'string' || typeof etag !== 'string' || !etag || !isCount(size, 0) || !isCount(rangeSize, 1)) return undefined;
  if (typeof done !== 'string' || typeof durable !== 'string' || typeof boot !== 'string' || boot.length > 100) return undefined;
  const indices = decodeBitmap(Math.ceil(size / rangeSize), done);
  const flushed = decodeBitmap(Math.ceil(size / rangeSize), durable);
  return indices && flushed ? { blob, etag, size, rangeSize, done: indices, durable: flushed, boot } : undefined;
}

/** Whether a record describes this blob: the same path, ETag and size (the SAS does not matter). */
export function sameBlob(record: BlobIdentity, blob: BlobIdentity): boolean {
  return record.blob === blob.blob && record.etag === blob.etag && record.size === blob.size;
}

/** What a record says is on disk, without what the writer adds (the flushed ranges, the boot). */
export type RecordState = Omit<ResumeRecord, 'durable' | 'boot'>;

export function recordFor(identity: BlobIdentity, plan: RangePlan, done: number[]): RecordState {
  return { ...identity, rangeSize: plan.rangeSize, done };
}

/**
 * The ranges a later run may trust. In the same boot of the machine, every complete range: a
 * write that returned is in the page cache even when the process was killed. After a restart
 * (a power loss), only the ranges flushed to disk before the record was written.
 */
export function trustedRanges(record: ResumeRecord, currentBoot: string): { done: number[]; restarted: boolean } {
  const restarted = !sameBoot(record.boot, currentBoot);
  return { done: restarted ? record.durable : record.done, restarted };
}

/** Boot ids: Linux's boot_id compared exactly; elsewhere `t<boot time in s>` within 30 s. */
export function sameBoot(a: string, b: string): boolean {
  const ta = /^t(\d+)$/.exec(a)?.[1];
  const tb = /^t(\d+)$/.exec(b)?.[1];
  if (ta && tb) return Math.abs(Number(ta) - Number(tb)) <= 30;
  return a !== '' && a === b;
}
