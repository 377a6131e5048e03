/**
 * What happens on disk before the first byte: the directory, the lock, an existing file of the same name
 * (reused when it is the same, refused or replaced when it is not), an earlier partial download
 * (continued when it is of the same blob, discarded when not), and the free space.
 */
import { promises as fsp } from 'node:fs';
import type { Run } from './engine';
import { DownloadError, fileSystemError } from './errors';
import { acquireLock } from './downloadLock';
import { createExclusive, existing, freeBytes, md5OfFile, openNoFollow, readRecord, removeQuietly } from './partialFile';
import { formatBytes } from './progress';
import { RangeProgress, chooseRangeSize, planRanges } from './ranges';
import { BlobIdentity, ResumeRecord, sameBlob } from './resumeRecord';

/** Reuse, refuse or replace an existing file with the target's name. */
async function existingTarget(run: Run): Promise<'reuse' | 'replace' | 'none'> {
  const { files, overwrite, info } = run.options;
  const props = run.props!;
  const found = await existing(files.finalPath);
  if (!found) return 'none';
  if (found.kind === 'link') {
    throw new DownloadError(
      `${files.finalPath} is a symbolic link (or junction): the task does not write through links it did not create.`,
      'Remove the link, or choose another downloadFileName or downloadDirectory.',
    );
  }
  if (found.kind !== 'file') {
    throw new DownloadError(`${files.finalPath} exists and is not a file.`, 'Choose another downloadFileName or downloadDirectory.');
  }
  if (found.size === props.size) {
    if (!props.md5) {
      info(`${files.fileName} is already in ${files.directory} with the backup's size (${formatBytes(props.size)}); the blob has no MD5 to compare, so it is kept as it is.`);
      return 'reuse';
    }
    info(`${files.fileName} is already in ${files.directory} with the backup's size; comparing its MD5.`);
    if ((await md5OfFile(files.finalPath, run.stop.signal)) === props.md5) {
      info(`${files.fileName} matches the backup's MD5: nothing to download.`);
      return 'reuse';
    }
  }
  if (!overwrite) {
    throw new DownloadError(
      `A different file named ${files.fileName} is already in ${files.directory} (${formatBytes(found.size)}; the backup is ${formatBytes(props.size)}${found.size === props.size ? ' with another MD5' : ''}).`,
      'Set overwriteExisting: true to replace it, or choose another downloadFileName or downloadDirectory.',
    );
  }
  info(`A different ${files.fileName} is in ${files.directory}; it is replaced once the download is verified (overwriteExisting).`);
  return 'replace';
}

/** An earlier run's record, when it is of this very blob (path, ETag, size) and its partial file is there. */
async function resumable(run: Run, identity: BlobIdentity): Promise<ResumeRecord | undefined> {
  const { files, info } = run.options;
  const record = await readRecord(files.recordPath);
  const partial = await existing(files.partialPath);
  if (record && partial?.kind === 'file' && partial.size === identity.size && sameBlob(record, identity)) {
    return record;
  }
  if (partial?.kind === 'link') {
    info(`${files.fileName}.partial is a link the task did not create: removing the link (not what it points to) and starting over.`);
  } else if (record || partial) {
    info(
      record && !sameBlob(record, identity)
        ? `${files.fileName}.partial is from another version of the backup (its ETag or size differs): starting over.`
        : `${files.fileName}.partial has no usable resume record: starting over.`,
    );
  }
  // rm removes a link itself, never what it points to.
  await removeQuietly(files.recordPath, files.recordTempPath);
  return undefined;
}

async function checkFreeSpace(run: Run, needed: number): Promise<void> {
  const { files } = run.options;
  const free = await freeBytes(files.directory);
  if (free !== undefined && free < needed) {
    throw new DownloadError(
      `Not enough free disk space for ${files.fileName}: it needs ${formatBytes(needed)}${run.progress?.completeBytes ? ' more' : ''}, and ${files.directory} has ${formatBytes(free)} free.`,
      'Free space, or set downloadDirectory to a larger disk. Microsoft-hosted agents have about 14 GB; large backups need a self-hosted agent.',
    );
  }
}

async function openPartial(run: Run, identity: BlobIdentity, record: ResumeRecord | undefined): Promise<void> {
  const { files, connections, info } = run.options;
  const plan = planRanges(identity.size, record?.rangeSize ?? chooseRangeSize(identity.size, connections));
  run.progress = new RangeProgress(plan, record?.done ?? []);
  await checkFreeSpace(run, identity.size - run.progress.completeBytes);
  try {
    // Never through a link: an existing partial is opened without following one, a new one created exclusively.
    run.handle = record ? await openNoFollow(files.partialPath, 'r+') : await createExclusive(files.partialPath);
    if (!record) await run.handle.truncate(identity.size);
  } catch (error) {
    throw fileSystemError(record ? 'open' : 'create', files.partialPath, error);
  }
  if (record) {
    info(`Resuming: ${formatBytes(run.progress.completeBytes)} of ${formatBytes(identity.size)} are already in ${files.fileName}.partial from an earlier run.`);
    if (!run.props?.md5) {
      info('  The blob has no MD5, so the bytes from the earlier run could not be verified: they are trusted because the record that claims them was written only after they were flushed to disk, for a blob of the same ETag and size.');
    }
  }
}

/** Gets the files ready; 'reused' when the target already holds the backup. */
export async function prepareFiles(run: Run, identity: BlobIdentity): Promise<'reused' | 'ready'> {
  const { files } = run.options;
  try {
    await fsp.mkdir(files.directory, { recursive: true });
  } catch (error) {
    throw fileSystemError('create the directory', files.directory, error);
  }
  run.lock = await acquireLock(files.lockPath, { waitMs: run.options.retryBudgetMs, stop: run.stop.signal, info: run.options.info, pollMs: run.options.lockPollMs });
  if ((await existingTarget(run)) === 'reuse') {
    return 'reused';
  }
  await openPartial(run, identity, await resumable(run, identity));
  return 'ready';
}
