/**
 * Downloads one blob (a backup's FileLocation) into a file: parallel ranged GETs pinned to the
 * blob's ETag, written at their offsets into `<name>.partial`, with a resume record beside it;
 * MD5 computed while the bytes arrive; a fresh SAS from LCS when storage refuses the old one;
 * the file put in place under its final name only after verification. Memory stays flat: each
 * connection holds at most 64 KiB of pieces not yet written, whatever the size of the blob. The steps: the HEAD
 * (run.ts), the lock (downloadLock.ts), the files on disk (prepare.ts), the transfer and the
 * publication (transfer.ts, publish.ts); README "Download file protocol" has the order.
 */
import { promises as fsp } from 'node:fs';
import { ProxyAuthError, TransportError } from '../platform/errors';
import { BlobProperties, Stopped, blobProperties } from './blobHttp';
import { acquireLock } from './downloadLock';
import { DownloadError, fileSystemError, isFileSystemError, resumeAdvice } from './errors';
import { removeQuietly } from './partialFile';
import { prepareFiles } from './prepare';
import { finalLine, formatBytes } from './progress';
import { RangeProgress } from './ranges';
import { DownloadOptions, Run, newRun, withRetries } from './run';
import { Transfer, Verification, closeTransfer, fetchAll, finish, identityOf, startTransfer } from './transfer';

export type { DownloadOptions } from './run';
export type { Verification } from './transfer';
export { identityOf } from './transfer';

export interface DownloadResult {
  path: string;
  size: number;
  verification: Verification;
  /** An existing file of the same content was kept; nothing was downloaded. */
  reused: boolean;
}

function verificationText(t: Transfer, verification: Verification): string {
  return verification === 'md5'
    ? `verified by MD5 (${t.props.md5})`
    : `verified by length and ETag only (the blob has no ${t.props.badMd5 ? 'usable ' : ''}stored MD5)`;
}

/** The transfer into the open partial file, to the published file; closes what it opened when it fails. */
async function transferAndPublish(run: Run, props: BlobProperties, handle: fsp.FileHandle, progress: RangeProgress): Promise<DownloadResult> {
  const { options } = run;
  let t: Transfer;
  try {
    t = await startTransfer(run, props, handle, progress);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  try {
    await fetchAll(t);
    const verification = await finish(t);
    options.info(
      finalLine({
        fileName: options.files.fileName,
        size: props.size,
        receivedThisRun: run.received,
        resumedBytes: t.resumedBytes,
        elapsedMs: Date.now() - t.startedAt,
        connections: options.connections,
        verification: verificationText(t, verification),
      }),
    );
    options.setProgress(100, `Downloaded ${formatBytes(props.size)}`);
    return { path: options.files.finalPath, size: props.size, verification, reused: false };
  } catch (error) {
    await closeTransfer(t);
    throw error;
  }
}

/** HEAD, lock, files, transfer; the lock is released however it ends. */
async function download(run: Run): Promise<DownloadResult> {
  const { options } = run;
  const { files } = options;
  const props = await withRetries(run, "the backup's properties", 'properties', () => blobProperties(run.sas.url, run.ctx));
  if (props.badMd5) options.info("The blob's Content-MD5 is not a base64 MD5, so it cannot be compared: the download is verified by length and ETag only.");
  try {
    await fsp.mkdir(files.directory, { recursive: true });
  } catch (error) {
    throw fileSystemError('create the directory', files.directory, error);
  }
  const lock = await acquireLock(files.lockPath, { waitMs: options.retryBudgetMs, stop: run.stop.signal, info: options.info, pollMs: options.lockPollMs });
  try {
    const input = {
      files,
      overwrite: options.overwrite,
      connections: options.connections,
      info: options.info,
      stop: run.stop.signal,
      props,
      identity: identityOf(run.sas.url, props),
    };
    const prepared = await prepareFiles(input);
    if (prepared.kind === 'reused') {
      return { path: files.finalPath, size: props.size, verification: props.md5 ? 'md5' : 'length-and-etag', reused: true };
    }
    return await transferAndPublish(run, props, prepared.handle, prepared.progress);
  } catch (error) {
    // Bytes of no use to a later run (the blob changed or is gone) go while the lock is held, so
    // they are never another run's; before the lock nothing of this run is on disk.
    if (error instanceof DownloadError && error.discardPartial) await removeQuietly(files.partialPath, files.recordPath, files.recordTempPath);
    throw error;
  } finally {
    await lock.release();
  }
}

/** After a failure: one clear message, with how to resume when bytes are kept. */
function explainFailure(run: Run, error: unknown): unknown {
  const { files } = run.options;
  if (error instanceof DownloadError && error.discardPartial) return error;
  if (isFileSystemError(error)) error = fileSystemError('use', error.path ?? files.directory, error);
  const advice = resumeAdvice(run.keptBytes, `${files.fileName}.partial`);
  if (run.cancelled) {
    return new DownloadError('The download was cancelled.', advice);
  }
  if (run.keptBytes > 0 && (error instanceof DownloadError || error instanceof TransportError || error instanceof ProxyAuthError)) {
    return new DownloadError(error.message, `${error.advice ?? ''} ${advice}`.trim());
  }
  return error;
}

/** Downloads the blob; throws a TaskFailure (DownloadError, TransportError) that says what to do. */
export async function downloadBlob(options: DownloadOptions): Promise<DownloadResult> {
  const run = newRun(options);
  const unhook = options.onCancel(() => {
    run.cancelled = true;
    run.stop.abort();
  });
  try {
    return await download(run);
  } catch (error) {
    throw explainFailure(run, run.cancelled ? new Stopped() : error);
  } finally {
    unhook();
    run.ctx.sockets.destroy();
  }
}
