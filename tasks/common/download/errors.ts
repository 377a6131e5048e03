/**
 * How a download ends when it cannot finish: one message that says what happened and what to do.
 * Storage's own text (which may echo the URL and its SAS) never goes into these.
 */
import { TaskFailure, errnoCode } from '../platform/errors';
import { formatBytes } from './progress';

/** The backup could not be downloaded, verified or stored. */
export class DownloadError extends TaskFailure {
  constructor(
    message: string,
    advice?: string,
    /** The bytes on disk are of no use to a later run (the blob changed or is gone): remove them. */
    readonly discardPartial = false,
  ) {
    super(message, advice);
  }
}

/** Advice when bytes are kept for the next run. */
export function resumeAdvice(kept: number, partialName: string): string {
  return kept > 0
    ? `${formatBytes(kept)} are kept in ${partialName}: run the task again with the same downloadDirectory and downloadFileName, and it continues from there.`
    : 'Run the task again.';
}

const FILE_SYSTEM_CAUSES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted (on Windows: the file may be open in another program)',
  EBUSY: 'the file is in use by another program',
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'a symbolic link is in the way, and the task does not follow links it did not create',
  EROFS: 'the file system is read-only',
  ENOENT: 'the file or its directory was removed',
  EEXIST: 'something is already there',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'an I/O error',
};

function fileSystemAdvice(code: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'Free space, or choose another downloadDirectory.';
  if (code === 'ELOOP' || code === 'EISDIR' || code === 'EEXIST')
    return 'Remove what is at that path, or choose another downloadDirectory or downloadFileName.';
  return "Check downloadDirectory: the agent's account must be able to create, write and rename files there, and no other program may hold them open.";
}

/** A file-system failure: the path, the cause in words and its code, and what to do. */
export function fileSystemError(action: string, file: string, error: unknown): DownloadError {
  const code = errnoCode(error) ?? 'error';
  const cause = FILE_SYSTEM_CAUSES[code];
  return new DownloadError(`Could not ${action} ${file}: ${cause ? `${cause} (${code})` : code}.`, fileSystemAdvice(code));
}

/** A Node file-system error (errno code and syscall), as opposed to a bug. */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | undefined;
  return !!e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && (typeof e.syscall === 'string' || typeof e.path === 'string');
}

export function storageRefused(status: number, code: string | undefined, host: string): DownloadError {
  if (status === 404) {
    return new DownloadError(
      `The backup file is not in storage (${host} answered HTTP 404${code ? ` ${code}` : ''}): an export may still be writing it (LCS lists a backup while its export runs), it was deleted from the LCS asset library, or LCS handed out a stale download URL.`,
      'If an export of this backup is running, wait for it to finish (LcsDatabaseOperationStatus@1 waits for it) and run the task again; otherwise check the backup in LCS (Asset library > Database backup).',
      true,
    );
  }
  if (status === 412) {
    return new DownloadError(
      `The backup file changed in storage while it was being downloaded (${host} answered HTTP 412: its ETag no longer matches); the bytes of the old version were discarded.`,
      'Run the task again: it downloads the new version from the start.',
      true,
    );
  }
  return new DownloadError(
    `Storage refused the download (${host} answered HTTP ${status}${code ? ` ${code}` : ''}).`,
    status === 403
      ? "The download URL (SAS) is not accepted: check that the agent's network does not rewrite requests to Azure Storage, then run again."
      : 'Run the task again; if it persists, download the backup from LCS by hand and report the status code.',
  );
}
