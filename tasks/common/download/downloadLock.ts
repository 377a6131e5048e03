/**
 * One download of a file at a time: `<name>.lock` beside it, created exclusively (O_CREAT|O_EXCL,
 * which never follows a link), holding the owner's process id and host name. A second run for the
 * same file in the same folder waits for it within its retry budget (then finds the finished file),
 * or fails with a clear message. A lock whose process is gone (same host, no such process) is stale
 * and taken over; a lock from another host (a shared folder) is never judged stale.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { DownloadError } from './errors';
import { existing, openNoFollow } from './partialFile';
import { pause } from './retryPolicy';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface LockOptions {
  /** How long to wait for another run's lock. */
  waitMs: number;
  stop: AbortSignal;
  info: (line: string) => void;
  /** How often to look again (ms). */
  pollMs?: number;
  /** Whether a process of this host is alive (process.kill(pid, 0) by default). */
  alive?: (pid: number) => boolean;
}

/** A held lock; release() removes it (only this run's own lock file). */
export interface DownloadLock {
  release(): Promise<void>;
}

/** A lock file without an owner (cut between its creation and its write) is stale after this long. */
const UNREADABLE_STALE_MS = 30_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await openNoFollow(file, 'r');
    const raw = JSON.parse(await handle.readFile('utf8')) as Partial<LockOwner>;
    if (Number.isSafeInteger(raw.pid) && typeof raw.host === 'string' && typeof raw.since === 'string') return raw as LockOwner;
    return undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Whether the lock at `file` belongs to nobody any more. */
async function isStale(file: string, owner: LockOwner | undefined, alive: (pid: number) => boolean): Promise<boolean> {
  if (owner) return owner.host === os.hostname() && owner.pid !== process.pid && !alive(owner.pid);
  const stat = await fsp.lstat(file).catch(() => undefined);
  return !!stat?.isFile() && Date.now() - stat.mtimeMs > UNREADABLE_STALE_MS;
}

async function tryCreate(file: string): Promise<boolean> {
  try {
    const handle = await fsp.open(file, 'wx');
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
    try {
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function busy(file: string, owner: LockOwner | undefined, waitedMs: number): DownloadError {
  const who = owner ? `process ${owner.pid} on ${owner.host.slice(0, 100)}, since ${owner.since.slice(0, 40)}` : 'another run';
  return new DownloadError(
    `Another run is downloading the same file into this folder (${who}); waited ${Math.round(waitedMs / 1000)} s for it to finish.`,
    `Give each job its own downloadDirectory, or run the jobs one after the other. If no other run uses the folder, delete ${file} and run again.`,
  );
}

/** Takes the download's lock, waiting for another run's within `waitMs`. */
export async function acquireLock(file: string, options: LockOptions): Promise<DownloadLock> {
  const started = Date.now();
  let told = false;
  for (;;) {
    if (options.stop.aborted) throw new DownloadError('The download was cancelled while it waited for another run.', 'Run the task again.');
    if (await tryCreate(file)) return { release: () => fsp.unlink(file).catch(() => undefined) };
    const found = await existing(file);
    if (found && found.kind !== 'file') {
      throw new DownloadError(`${file} exists and is not a lock file the task wrote.`, `Remove ${file}, or choose another downloadDirectory.`);
    }
    const owner = await readOwner(file);
    if (found && (await isStale(file, owner, options.alive ?? processAlive))) {
      options.info(`Removing a stale lock (${owner ? `process ${owner.pid} is gone` : 'no owner recorded'}): an earlier run ended without removing it.`);
      // unlink removes the file itself; then the exclusive create again.
      await fsp.unlink(file).catch(() => undefined);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= options.waitMs) throw busy(file, owner, waited);
    if (!told)
      options.info(
        `Another run is downloading the same file into this folder${owner ? ` (process ${owner.pid})` : ''}: waiting for it (at most ${Math.round(options.waitMs / 1000)} s, retryBudgetSeconds).`,
      );
    told = true;
    await pause(Math.min(options.pollMs ?? 1000, options.waitMs - waited), options.stop);
  }
}
