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
  return { directory: dir, fileName, finalPath, partialPath: `${finalPath}.partial`, recordPath, recordTempPath: `${recordPath}.tmp`, lockPath: `${finalPath}.lock` };
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
    for (let position = 0; ; ) {
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

/** How often the partial file's data is flushed to disk before a record (ms). */
export const FLUSH_EVERY_MS = 5000;

/**
 * Writes the resume record after each completed range: at most one write at a time, the latest
 * state wins. Each write takes the state first; at most every FLUSH_EVERY_MS it then flushes the
 * partial file's data to disk (`flushData`) and marks the ranges of that state durable; then it
 * writes the temp file (created exclusively) and renames it over the record. So the record's
 * durable ranges were on disk before the record named them (what a run after a restart trusts),
 * and its complete ranges were written before it (what a run after a kill trusts, as the page
 * cache survives the process). A kill or power loss at any moment leaves the old record, the new
 * one, or one that does not parse (then the next run starts over).
 */
export class RecordWriter {
  private dirty = false;
  private writing?: Promise<void>;
  private failure?: unknown;
  private durable: number[] = [];
  private flushedAt = -Infinity;
  private readonly boot = bootId();

  constructor(
    private readonly files: Pick<TargetFiles, 'recordPath' | 'recordTempPath'>,
    private readonly snapshot: () => RecordState,
    private readonly flushData: () => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  save(): void {
    this.dirty = true;
    this.writing ??= this.loop().finally(() => {
      this.writing = undefined;
    });
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.failure) {
      this.dirty = false;
      try {
        await this.writeOnce(this.snapshot());
      } catch (error) {
        this.failure ??= error;
      }
    }
  }

  private async writeOnce(state: RecordState): Promise<void> {
    if (this.now() - this.flushedAt >= FLUSH_EVERY_MS) {
      await this.flushData();
      this.flushedAt = this.now();
      this.durable = state.done;
    }
    const temp = await createExclusive(this.files.recordTempPath);
    try {
      await temp.writeFile(serializeRecord({ ...state, durable: this.durable, boot: this.boot }));
    } finally {
      await temp.close();
    }
    await fsp.rename(this.files.recordTempPath, this.files.recordPath);
  }

  /** Throws if a write failed (the path and cause are in the error). */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits for the last write; throws if any write failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    this.check();
  }
}
