/**
 * How a download ends when it cannot finish: one message that says what happened and what to do.
 * Storage's own text (which may echo the URL and its SAS) never goes into these.
 */
import { TaskFailure } from '../errors';
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

export function fileSystemError(action: string, file: string, error: unknown): DownloadError {
  const code = (error as NodeJS.ErrnoException)?.code ?? 'error';
  const advice =
    code === 'ENOSPC'
      ? 'The disk is full: free space or choose another downloadDirectory.'
      : 'Check downloadDirectory: the agent\'s account must be able to create, write and rename files there.';
  return new DownloadError(`Could not ${action} ${file}: ${code}.`, advice);
}

export function storageRefused(status: number, code: string | undefined, host: string): DownloadError {
  if (status === 404) {
    return new DownloadError(
      `The backup file is not in storage (${host} answered HTTP 404${code ? ` ${code}` : ''}): it was deleted from the LCS asset library, or LCS handed out a stale download URL.`,
      'Check the backup in LCS (Asset library > Database backup) and run the task again.',
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
      ? 'The download URL (SAS) is not accepted: check that the agent\'s network does not rewrite requests to Azure Storage, then run again.'
      : 'Run the task again; if it persists, download the backup from LCS by hand and report the status code.',
  );
}
