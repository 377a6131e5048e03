/**
 * The files of one download on disk: the target, `<name>.partial` (bytes written at their
 * offsets) and `<name>.partial.json` (the resume record), plus the checks made before the first
 * byte (an existing file, free space).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ResumeRecord, parseRecord, serializeRecord } from './resumeRecord';

export interface TargetFiles {
  directory: string;
  fileName: string;
  finalPath: string;
  partialPath: string;
  recordPath: string;
}

/** The three paths of a download; throws if the name would leave the directory (a bug upstream). */
export function targetFiles(directory: string, fileName: string): TargetFiles {
  const dir = path.resolve(directory);
  const finalPath = path.join(dir, fileName);
  if (path.dirname(finalPath) !== dir || path.basename(finalPath) !== fileName) {
    throw new Error('file name escapes the download directory');
  }
  return { directory: dir, fileName, finalPath, partialPath: `${finalPath}.partial`, recordPath: `${finalPath}.partial.json` };
}

/** What is at a path: a file of some size, something else, or nothing. */
export async function existing(file: string): Promise<{ kind: 'file'; size: number } | { kind: 'other' } | undefined> {
  try {
    const stat = await fsp.stat(file);
    return stat.isFile() ? { kind: 'file', size: stat.size } : { kind: 'other' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function readRecord(file: string): Promise<ResumeRecord | undefined> {
  try {
    const text = await fsp.readFile(file, 'utf8');
    return text.length < 1024 * 1024 ? parseRecord(text) : undefined;
  } catch {
    return undefined;
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
  const handle = await fsp.open(file, 'r');
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
 * Writes the resume record after each completed range: at most one write at a time, the latest
 * state wins, and each write replaces the file whole (temp file + rename), so a kill at any
 * moment leaves the old record or the new one, never half of one.
 */
export class RecordWriter {
  private dirty = false;
  private writing?: Promise<void>;
  private failure?: unknown;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => ResumeRecord,
  ) {}

  save(): void {
    this.dirty = true;
    this.writing ??= this.loop().finally(() => {
      this.writing = undefined;
    });
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        const temp = `${this.file}.tmp`;
        await fsp.writeFile(temp, serializeRecord(this.snapshot()));
        await fsp.rename(temp, this.file);
      } catch (error) {
        this.failure ??= error;
      }
    }
  }

  /** Waits for the last write; throws if any write failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
  }
}
