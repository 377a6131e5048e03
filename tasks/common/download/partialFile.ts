/**
 * The files of one download on disk: the target, `<name>.partial` (bytes written at their
 * offsets) and `<name>.partial.json` (the resume record), plus the checks made before the first
 * byte (an existing file, free space).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { safeFileName } from './fileName';
import { RecordState, ResumeRecord, parseRecord, serializeRecord } from './resumeRecord';

export interface TargetFiles {
  directory: string;
  fileName: string;
  finalPath: string;
  partialPath: string;
  recordPath: string;
  /** `<name>.partial.json.tmp`: the next record, renamed over the record once written. */
  recordTempPath: string;
  /** `<name>.lock`: created exclusively by the run that downloads this file. */
  lockPath: string;
}

/**
 * The paths of a download; throws if the name would leave the directory (a bug upstream).
 * `paths` is the platform's path module (path.win32 in tests of the Windows rules).
 */
export function targetFiles(directory: string, fileName: string, paths: path.PlatformPath = path): TargetFiles {
  const dir = paths.resolve(directory);
  const finalPath = paths.join(dir, fileName);
  // The safe-name rules hold for every OS (no ':' for an NTFS stream, no CON, no trailing dot).
  if (safeFileName(fileName, '') !== fileName || paths.dirname(finalPath) !== dir || paths.basename(finalPath) !== fileName) {
    throw new Error('file name escapes the download directory');
  }
  const recordPath = `${finalPath}.partial.json`;
  return {
    directory: dir,
    fileName,
    finalPath,
    partialPath: `${finalPath}.partial`,
    recordPath,
    recordTempPath: `${recordPath}.tmp`,
    lockPath: `${finalPath}.lock`,
  };
}

export type Found = { kind: 'file'; size: number } | { kind: 'link' } | { kind: 'other' };

/** What is at a path, without following a link: a file of some size, a link, something else, or nothing. */
export async function existing(file: string): Promise<Found | undefined> {
  try {
    const stat = await fsp.lstat(file);
    if (stat.isSymbolicLink()) return { kind: 'link' };
    return stat.isFile() ? { kind: 'file', size: stat.size } : { kind: 'other' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** An error with a code, as Node's file-system calls throw them. */
export function fsFailure(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Opens an existing regular file without following a link. POSIX: O_NOFOLLOW refuses a link at
 * the last component. Windows has no O_NOFOLLOW: the file is looked at with lstat first and the
 * open handle compared with it (device and file index), so a link swapped in between is refused.
 */
export async function openNoFollow(file: string, flags: 'r' | 'r+', platform: NodeJS.Platform = process.platform): Promise<fsp.FileHandle> {
  const before = await fsp.lstat(file);
  if (!before.isFile()) throw fsFailure(before.isSymbolicLink() ? 'ELOOP' : 'EISDIR', `${file} is not a regular file`);
  const base = flags === 'r' ? fs.constants.O_RDONLY : fs.constants.O_RDWR;
  // @types/node types O_NOFOLLOW as always set; a platform without it (besides Windows) has it undefined.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  const noFollow = platform === 'win32' ? 0 : (fs.constants.O_NOFOLLOW ?? 0);
  const handle = await fsp.open(file, base | noFollow);
  const after = await handle.stat();
  if (!after.isFile() || after.ino !== before.ino || after.dev !== before.dev) {
    await handle.close();
    throw fsFailure('ELOOP', `${file} changed while it was opened`);
  }
  return handle;
}

/**
 * Creates a side file anew: whatever is at its name (a file, or a link, which is removed, never
 * followed) goes first, then the file is created exclusively (O_CREAT|O_EXCL, which fails rather
 * than follow a link on every OS). A directory at the name is not removed (EISDIR).
 */
export async function createExclusive(file: string): Promise<fsp.FileHandle> {
  const found = await existing(file);
  if (found?.kind === 'other') throw fsFailure('EISDIR', `${file} is not a file`);
  if (found) await fsp.unlink(file);
  return fsp.open(file, 'wx+');
}

export async function readRecord(file: string): Promise<ResumeRecord | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await openNoFollow(file, 'r');
    const { size } = await handle.stat();
    return size < 1024 * 1024 ? parseRecord(await handle.readFile('utf8')) : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Free bytes for an unprivileged writer in `dir`; undefined when the OS cannot tell. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await fsp.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** MD5 (base64) of a whole file, read in 1 MiB pieces; stops early when `stop` is aborted. */
export async function md5OfFile(file: string, stop?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  const handle = await openNoFollow(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (let position = 0; ;) {
      if (stop?.aborted) throw new Error('stopped');
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('base64');
}

export async function removeQuietly(...files: string[]): Promise<void> {
  await Promise.all(files.map((f) => fsp.rm(f, { force: true }).catch(() => undefined)));
}

/**
 * Which boot of the machine this is: Linux's boot_id, elsewhere the boot time in seconds (now
 * minus uptime; a clock step makes it look like a restart, which only makes resume trust less).
 */
export function bootId(): string {
  try {
    const id = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  } catch {
    // Not Linux: the boot time below.
  }
  return `t${Math.round(Date.now() / 1000 - os.uptime())}`;
}

/**
 * The shortest time between two flushes of the partial file's data (ms): Linux's own writeback
 * cadence (vm.dirty_expire_centisecs, 30 s by default), so a flush mostly waits for pages the
 * kernel is writing anyway. Measured: a flush every 5 s cost a quarter of the throttled 1 GiB
 * download's time here (the flush of ~1 GiB took 1.5-1.9 s and held the writes back).
 */
export const FLUSH_EVERY_MS = 30_000;
/** And at least this many times as long as the last flush took: flushing stays within ~5 % of the time on a slow disk. */
export const FLUSH_SPACING = 20;
/** But never more than this apart (ms): one very slow flush does not stop flushing for the rest of the download. */
export const FLUSH_MAX_SPACING_MS = 300_000;

/**
 * Creates a side file anew and returns its descriptor, synchronously: the same rules as
 * createExclusive (O_CREAT|O_EXCL; whatever is at the name, a link included, is removed, never
 * followed; a directory is not). One system call when the name is free, as it is after a rename.
 */
function createExclusiveSync(file: string): number {
  try {
    return fs.openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = fs.lstatSync(file);
  if (!stat.isFile() && !stat.isSymbolicLink()) throw fsFailure('EISDIR', `${file} is not a file`);
  fs.unlinkSync(file);
  return fs.openSync(file, 'wx');
}

/** Writes `text` into the temp file (created exclusively) and renames it over the record, synchronously. */
function replaceRecord(files: Pick<TargetFiles, 'recordPath' | 'recordTempPath'>, text: string): void {
  const fd = createExclusiveSync(files.recordTempPath);
  try {
    const bytes = Buffer.from(text);
    for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(files.recordTempPath, files.recordPath);
}

/**
 * Keeps the resume record up to date with the complete ranges. Each save writes the record at once,
 * synchronously (a temp file of a few hundred bytes created exclusively, renamed over the record):
 * a kill at any moment after a range completed finds it in the record, so a later run fetches again
 * only the ranges that were in flight (at most connections x range size). A write that returned is in
 * the page cache, which survives the process: that is what a run in the same boot trusts.
 * At most every FLUSH_EVERY_MS (or FLUSH_SPACING times the last flush's duration, if longer) a
 * save also starts a flush of the partial file's data to disk
 * (`flushData`, in the background) for the ranges complete at that moment; once it is done, those
 * ranges become durable and the record is written again saying so. So the record's durable ranges
 * were on disk before a record named them (what a run after a restart trusts). A kill or power
 * loss at any moment leaves the old record, the new one, or one that does not parse (then the next
 * run starts over).
 */
export class RecordWriter {
  private failure?: unknown;
  private durable: number[] = [];
  /** When the next flush may start. */
  private nextFlushAt = -Infinity;
  private flushing?: Promise<void>;
  private latest?: RecordState;
  private readonly boot = bootId();

  constructor(
    private readonly files: Pick<TargetFiles, 'recordPath' | 'recordTempPath'>,
    private readonly snapshot: () => RecordState,
    private readonly flushData: () => Promise<void>,
    // A monotonic clock: the wall clock stepping back would postpone the flushes.
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Writes the current state now; starts a flush when one is due. A failure is kept for check(). */
  save(): void {
    if (this.failure) return;
    const state = this.snapshot();
    this.latest = state;
    if (!this.flushing && this.now() >= this.nextFlushAt) this.startFlush(state);
    this.write(state);
  }

  private startFlush(state: RecordState): void {
    const startedAt = this.now();
    this.flushing = this.flushData()
      .then(
        () => {
          const end = this.now();
          this.nextFlushAt = end + Math.min(FLUSH_MAX_SPACING_MS, Math.max(FLUSH_EVERY_MS, FLUSH_SPACING * (end - startedAt)));
          this.durable = state.done;
          if (this.latest) this.write(this.latest);
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
  }

  private write(state: RecordState): void {
    if (this.failure) return;
    try {
      replaceRecord(this.files, serializeRecord({ ...state, durable: this.durable, boot: this.boot }));
    } catch (error) {
      this.failure ??= error;
    }
  }

  /** Throws if a write failed (the path and cause are in the error). */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits for the flush in progress; throws if any write failed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.check();
  }
}
