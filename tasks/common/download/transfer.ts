/**
 * The transfer: what lives from the first byte to the published file, all of it set when it
 * starts (the blob's properties, the open partial file, its ranges, the record writer, the MD5
 * worker when the blob has an MD5, the progress gate). Connections take ranges, write them at
 * their offsets and save the record; the end checks size and MD5 and publishes the file.
 */
import { promises as fsp } from 'node:fs';
import { BlobProperties, OverlongAnswer, RangeSink, getRange } from './blobHttp';
import { DownloadError, fileSystemError } from './errors';
import { InOrderMd5 } from './hasher';
import { GatheringWriter } from './fileWriter';
import { RecordWriter, removeQuietly } from './partialFile';
import { ProgressGate, percentOf, progressLine } from './progress';
import { publishFile } from './publish';
import { ByteRange, RangeProgress } from './ranges';
import { BlobIdentity, blobPath, recordFor } from './resumeRecord';
import { Run, withRetries } from './run';

export type Verification = 'md5' | 'length-and-etag';

export interface Transfer {
  readonly run: Run;
  readonly props: BlobProperties;
  readonly handle: fsp.FileHandle;
  readonly progress: RangeProgress;
  readonly records: RecordWriter;
  /** The MD5 worker; undefined when the blob has no (usable) MD5. */
  readonly hasher: InOrderMd5 | undefined;
  readonly gate: ProgressGate;
  readonly startedAt: number;
  /** Bytes already complete when the transfer started (an earlier run's). */
  readonly resumedBytes: number;
}

export function identityOf(url: string, props: BlobProperties): BlobIdentity {
  return { blob: blobPath(url), etag: props.etag, size: props.size };
}

/** Throws, naming the record's path, if a record write failed; `wait`: for the last write first. */
async function recordsWritten(records: RecordWriter, recordPath: string, wait: boolean): Promise<void> {
  try {
    if (wait) await records.flush();
    else records.check();
  } catch (error) {
    throw fileSystemError('write the resume record', recordPath, error);
  }
}

/**
 * Starts a transfer into the open partial file. The first record is written before the first
 * byte, so a record that cannot be written fails now, not at the end.
 */
export async function startTransfer(run: Run, props: BlobProperties, handle: fsp.FileHandle, progress: RangeProgress): Promise<Transfer> {
  const { files } = run.options;
  const records = new RecordWriter(
    files,
    () => recordFor(identityOf(run.sas.url, props), progress.plan, progress.completeIndices()),
    () => handle.datasync(),
  );
  const resumedBytes = progress.completeBytes;
  run.keptBytes = resumedBytes;
  records.save();
  await recordsWritten(records, files.recordPath, true);
  // Hashed in order as the bytes become contiguous, in-flight ranges included: if an over-long
  // answer's range is fetched again with other bytes, the MD5 fails (and its advice names the bad answers).
  const hasher = props.md5 ? new InOrderMd5(files.partialPath, () => progress.contiguousPrefix()) : undefined;
  hasher?.poke();
  return {
    run,
    props,
    handle,
    progress,
    records,
    hasher,
    gate: new ProgressGate(percentOf(resumedBytes, props.size), Date.now()),
    startedAt: Date.now(),
    resumedBytes,
  };
}

function report(t: Transfer): void {
  const done = t.progress.bytesOnDisk();
  const percent = percentOf(done, t.props.size);
  if (t.gate.due(percent, Date.now())) {
    const line = progressLine({ done, total: t.props.size, receivedThisRun: t.run.received, elapsedMs: Date.now() - t.startedAt });
    t.run.options.info(line);
    t.run.options.setProgress(percent, line);
  }
}

/**
 * Where the bytes of one range go: the partial file at their offset (gathered, fileWriter.ts), the
 * counters. Only written bytes count as on disk, so what a failed attempt had gathered but not
 * written is fetched again (at most GATHER_BYTES). The range's last piece writes whatever is gathered.
 */
function sinkFor(t: Transfer, range: ByteRange, from: number): RangeSink {
  // Memory per connection: at most GATHER_BYTES plus the piece in hand, whatever the blob's size.
  // The pieces are views of what the TLS socket decrypted, written while still in the CPU's cache.
  const writer = new GatheringWriter(t.handle.fd, from);
  let arrived = from;
  return (chunk) => {
    arrived += chunk.length;
    t.run.received += chunk.length;
    t.run.retry.progressed();
    const written = writer.add(chunk, arrived >= range.end);
    if (written === 0) return;
    t.progress.addWritten(range.index, written);
    t.hasher?.written();
    report(t);
  };
}

async function fetchRange(t: Transfer, range: ByteRange): Promise<void> {
  const { run, progress } = t;
  await withRetries(run, `bytes ${range.start}-${range.end - 1}`, 'range', async () => {
    const from = range.start + progress.writtenIn(range.index);
    if (from >= range.end) return;
    try {
      await getRange(run.sas.url, from, range.end, t.props, sinkFor(t, range, from), run.ctx);
    } catch (error) {
      // What an over-long answer wrote of this range is not trusted: the whole range again.
      if (error instanceof OverlongAnswer) progress.resetWritten(range.index);
      throw error;
    }
  });
  progress.complete(range.index);
  run.keptBytes = progress.completeBytes;
  t.records.save();
  await recordsWritten(t.records, run.options.files.recordPath, false);
  t.hasher?.poke();
}

/** Every connection takes the next missing range until none is left; the first failure stops all. */
export async function fetchAll(t: Transfer): Promise<void> {
  let failure: unknown;
  const connection = async (): Promise<void> => {
    for (let range = t.progress.take(); range && failure === undefined; range = t.progress.take()) {
      try {
        await fetchRange(t, range);
      } catch (error) {
        failure ??= error;
        t.run.stop.abort();
      }
    }
  };
  const count = Math.max(1, Math.min(t.run.options.connections, t.progress.plan.count));
  await Promise.all(Array.from({ length: count }, connection));
  if (failure !== undefined) throw failure;
  await recordsWritten(t.records, t.run.options.files.recordPath, true);
}

function md5Mismatch(t: Transfer, expected: string, actual: string): DownloadError {
  const { fileName } = t.run.options.files;
  return new DownloadError(
    `The downloaded file does not match the backup's MD5 (expected ${expected}, got ${actual}); it was removed and ${fileName} was not created.`,
    t.run.badAnswers > 0
      ? `Storage or a proxy sent ${t.run.badAnswers} answer(s) that did not fit the ranges asked for: check that nothing between the agent and Azure Storage rewrites answers, then run the task again.`
      : 'Run the task again. If it fails the same way, the backup in LCS is damaged: export a new one.',
    true,
  );
}

/** Every range complete and the file exactly the blob's size, whatever the MD5. */
async function checkSize(t: Transfer): Promise<void> {
  const onDisk = (await t.handle.stat()).size;
  if (!t.progress.allDone || onDisk !== t.props.size) {
    throw new DownloadError(
      `The downloaded file has ${onDisk} bytes where the backup has ${t.props.size}; it was removed and ${t.run.options.files.fileName} was not created.`,
      'Run the task again; if it fails the same way, check that no other program writes into downloadDirectory.',
      true,
    );
  }
}

/** Checks size and MD5, then publishes the partial file under its final name and removes the record. */
export async function finish(t: Transfer): Promise<Verification> {
  const { files, overwrite, debug } = t.run.options;
  await checkSize(t);
  let verification: Verification = 'length-and-etag';
  if (t.props.md5 && t.hasher) {
    const actual = await t.hasher.digest(t.props.size);
    if (actual !== t.props.md5) throw md5Mismatch(t, t.props.md5, actual);
    verification = 'md5';
  }
  // Windows does not rename or link a file that is open: the handle is closed first.
  await t.handle.close();
  await publishFile(files, overwrite, t.props.size, debug);
  // A kill during a record write leaves its temp file behind; only the final file may remain.
  await removeQuietly(files.recordPath, files.recordTempPath);
  return verification;
}

/** After a failure: the MD5 worker stopped, the last record written, the partial file closed. */
export async function closeTransfer(t: Transfer): Promise<void> {
  await t.hasher?.close().catch(() => undefined);
  await t.records.flush().catch(() => undefined);
  await t.handle.close().catch(() => undefined);
}
