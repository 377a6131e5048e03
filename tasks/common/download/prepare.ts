/**
 * What happens on disk before the first byte (the caller holds the download's lock): an existing
 * file of the same name (reused when it is the same, refused or replaced when it is not), an
 * earlier partial download (continued when it is of the same blob, discarded when not), and the
 * free space. Returns what it opened: the partial file and which of its ranges are complete.
 */
import { promises as fsp } from 'node:fs';
import type { BlobProperties } from './blobHttp';
import { DownloadError, fileSystemError } from './errors';
import { TargetFiles, bootId, createExclusive, existing, freeBytes, md5OfFile, openNoFollow, readRecord, removeQuietly } from './partialFile';
import { formatBytes } from './progress';
import { RangeProgress, chooseRangeSize, planRanges } from './ranges';
import { BlobIdentity, ResumeRecord, sameBlob, trustedRanges } from './resumeRecord';

export interface PrepareInput {
  files: TargetFiles;
  overwrite: boolean;
  connections: number;
  info: (line: string) => void;
  stop: AbortSignal;
  props: BlobProperties;
  identity: BlobIdentity;
}

/** The target already holds the backup, or the partial file is open with what is complete in it. */
export type Prepared = { kind: 'reused' } | { kind: 'ready'; handle: fsp.FileHandle; progress: RangeProgress };

/** Reuse, refuse or replace an existing file with the target's name. */
async function existingTarget(input: PrepareInput): Promise<'reuse' | 'replace' | 'none'> {
  const { files, overwrite, info, props } = input;
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
      info(
        `${files.fileName} is already in ${files.directory} with the backup's size (${formatBytes(props.size)}); the blob has no MD5 to compare, so it is kept as it is.`,
      );
      return 'reuse';
    }
    info(`${files.fileName} is already in ${files.directory} with the backup's size; comparing its MD5.`);
    if ((await md5OfFile(files.finalPath, input.stop)) === props.md5) {
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
async function resumable(input: PrepareInput): Promise<ResumeRecord | undefined> {
  const { files, info, identity } = input;
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

async function checkFreeSpace(files: TargetFiles, needed: number, resuming: boolean): Promise<void> {
  const free = await freeBytes(files.directory);
  if (free !== undefined && free < needed) {
    throw new DownloadError(
      `Not enough free disk space for ${files.fileName}: it needs ${formatBytes(needed)}${resuming ? ' more' : ''}, and ${files.directory} has ${formatBytes(free)} free.`,
      'Free space, or set downloadDirectory to a larger disk. Microsoft-hosted agents have about 14 GB; large backups need a self-hosted agent.',
    );
  }
}

async function openPartial(input: PrepareInput, record: ResumeRecord | undefined): Promise<Prepared> {
  const { files, connections, info, identity } = input;
  const plan = planRanges(identity.size, record?.rangeSize ?? chooseRangeSize(identity.size, connections));
  const trusted = record ? trustedRanges(record, bootId()) : { done: [], restarted: false };
  const progress = new RangeProgress(plan, trusted.done);
  await checkFreeSpace(files, identity.size - progress.completeBytes, progress.completeBytes > 0);
  let handle: fsp.FileHandle;
  try {
    // Never through a link: an existing partial is opened without following one, a new one created exclusively.
    handle = record ? await openNoFollow(files.partialPath, 'r+') : await createExclusive(files.partialPath);
    if (!record) await handle.truncate(identity.size);
  } catch (error) {
    throw fileSystemError(record ? 'open' : 'create', files.partialPath, error);
  }
  if (record) {
    info(`Resuming: ${formatBytes(progress.completeBytes)} of ${formatBytes(identity.size)} are already in ${files.fileName}.partial from an earlier run.`);
    if (trusted.restarted) {
      info('  The machine has restarted since that run: only the ranges it had flushed to disk are trusted; the others are fetched again.');
    }
    if (!input.props.md5) {
      info(
        '  The blob has no MD5, so the bytes from the earlier run could not be verified: they are trusted because the record that claims them was written after them (after they were flushed to disk, if the machine restarted since), for a blob of the same ETag and size.',
      );
    }
  }
  return { kind: 'ready', handle, progress };
}

/** Gets the files ready (the directory exists and the lock is held). */
export async function prepareFiles(input: PrepareInput): Promise<Prepared> {
  if ((await existingTarget(input)) === 'reuse') return { kind: 'reused' };
  return openPartial(input, await resumable(input));
}
