/**
 * Downloads one blob (a backup's FileLocation) into a file: parallel ranged GETs pinned to the
 * blob's ETag, written at their offsets into `<name>.partial`, with a resume record beside it;
 * MD5 computed while the bytes arrive; a fresh SAS from LCS when storage refuses the old one;
 * the file renamed to its final name only after verification. Memory stays flat: each
 * connection holds at most one 1 MiB batch, whatever the size of the blob.
 */
import { hostOf } from '../http';
import { promises as fsp } from 'node:fs';
import type { Agent } from 'node:http';
import { TransportError } from '../errors';
import { AttemptFailure, BlobProperties, EtagChanged, OverlongAnswer, RequestContext, Stopped, UnexpectedAnswer, WriteFailure, blobProperties, getRange } from './blobHttp';
import { DownloadError, fileSystemError, isFileSystemError, resumeAdvice, storageRefused } from './errors';
import { InOrderMd5 } from './hasher';
import { DownloadLock } from './downloadLock';
import { RecordWriter, TargetFiles, removeQuietly } from './partialFile';
import { publishFile } from './publish';
import { ProgressGate, finalLine, formatBytes, percentOf, progressLine } from './progress';
import { ByteRange, RangeProgress } from './ranges';
import { StallBudget, pause } from './retryPolicy';
import { BlobIdentity, blobPath, recordFor } from './resumeRecord';
import { SasSource } from './sasSource';
import { prepareFiles } from './prepare';

export interface DownloadOptions {
  /** The SAS URL to start with (a secret). */
  url: string;
  /** The same backup's current URL from LCS, for when storage refuses the old one. */
  freshUrl: () => Promise<string>;
  files: TargetFiles;
  connections: number;
  overwrite: boolean;
  agentFor: (url: string) => Agent | undefined;
  /** One request's limit, connect to last byte (a range that trickles is cut and retried). */
  requestTimeoutMs: number;
  /** How long retries may go on without a byte arriving. */
  retryBudgetMs: number;
  info: (line: string) => void;
  debug: (line: string) => void;
  setProgress: (percent: number, text: string) => void;
  onCancel: (handler: () => void) => () => void;
  /** How often a run waiting for another run's lock looks again (ms; default 1 s). */
  lockPollMs?: number;
}

export type Verification = 'md5' | 'length-and-etag';

export interface DownloadResult {
  path: string;
  size: number;
  verification: Verification;
  /** An existing file of the same content was kept; nothing was downloaded. */
  reused: boolean;
}

/** Everything one download run shares between its connections. */
export interface Run {
  options: DownloadOptions;
  ctx: RequestContext;
  stop: AbortController;
  cancelled: boolean;
  sas: SasSource;
  retry: StallBudget;
  host: string;
  received: number;
  /** Answers that did not fit the range asked for (over-long): they point at storage or a proxy. */
  badAnswers: number;
  startedAt: number;
  lock?: DownloadLock;
  props?: BlobProperties;
  progress?: RangeProgress;
  hasher?: InOrderMd5;
  handle?: fsp.FileHandle;
  records?: RecordWriter;
  gate?: ProgressGate;
}

function newRun(options: DownloadOptions): Run {
  const stop = new AbortController();
  const run = {
    options, stop, cancelled: false, received: 0, badAnswers: 0, startedAt: Date.now(), host: hostOf(options.url, 'storage'),
    ctx: { agentFor: options.agentFor, stop: stop.signal, timeoutMs: options.requestTimeoutMs },
    retry: new StallBudget(options.retryBudgetMs),
  } as Omit<Run, 'sas'> as Run;
  run.sas = new SasSource(options.url, options.freshUrl, () => run.received, options.info);
  return run;
}

/**
 * 403 codes that mean "this SAS is not accepted (any more)": Azure says AuthenticationFailed for
 * an expired SAS; AuthorizationFailure usually means a network rule or firewall, sometimes an
 * expired SAS (Azurite's word for it). Either way a fresh URL from LCS is worth one try
 * (SasSource stops, saying which, when the fresh one is refused too). An answer at an old
 * storage version carries no code on a HEAD: a 403 without one there is treated the same.
 */
const SAS_REFUSED = new Set(['AuthenticationFailed', 'AuthorizationFailure']);
const PROPERTIES = 'the backup\'s properties';

function sasRefused(error: AttemptFailure, what: string): boolean {
  return error.status === 403 && (SAS_REFUSED.has(error.storageCode ?? '') || (error.storageCode === undefined && what === PROPERTIES));
}

function blobChanged(host: string): DownloadError {
  return new DownloadError(
    `The backup file changed in storage while it was being downloaded (${host} answered a range with another ETag than at the start: storage or a proxy did not honour If-Match); the bytes of the old version were discarded.`,
    'Run the task again: it downloads the new version from the start. If this repeats, check that no proxy between the agent and Azure Storage caches or rewrites answers.',
    true,
  );
}

/** Errors that end the download at once, whatever the retry budget says. */
function finalError(run: Run, error: unknown): unknown {
  if (error instanceof Stopped || run.stop.signal.aborted) return new Stopped();
  if (error instanceof WriteFailure) return fileSystemError('write', run.options.files.partialPath, error.cause);
  if (error instanceof EtagChanged) return blobChanged(run.host);
  if (error instanceof UnexpectedAnswer) return new DownloadError(error.message, 'Check that no proxy rewrites requests to Azure Storage, then run again.');
  return error instanceof AttemptFailure ? undefined : error;
}

/** Turns a failed attempt into a wait before the next try, or into the error that ends the download. */
async function afterFailure(run: Run, error: unknown, tries: number, generation: number, what: string): Promise<number> {
  const final = finalError(run, error);
  if (final !== undefined || !(error instanceof AttemptFailure)) throw final;
  if (sasRefused(error, what)) {
    await run.sas.refresh(generation, error.storageCode ?? '');
    return tries - 1;
  }
  const decision = run.retry.decide(error.outcome, tries);
  const overlong = error instanceof OverlongAnswer;
  if (overlong) run.badAnswers++;
  const reason = overlong ? `the answer was longer than the ${error.asked} bytes asked for (a bad storage or proxy answer)` : decision.reason;
  if (!decision.retry) {
    if (error.status !== undefined && decision.reason.startsWith('HTTP') && !/tries|budget/.test(decision.reason)) {
      throw storageRefused(error.status, error.storageCode, run.host);
    }
    throw new TransportError(
      `Could not download ${what} from ${run.host}: ${overlong ? `${reason}, ${tries} tries in a row` : reason}.`,
      overlong
        ? 'Check that no proxy or security appliance between the agent and Azure Storage rewrites answers, then run again.'
        : 'Check that the agent can reach Azure Storage (firewall, proxy), or raise retryBudgetSeconds / requestTimeoutSeconds.',
    );
  }
  run.options.info(`${what}: ${reason}; trying again in ${(decision.waitMs / 1000).toFixed(1)} s (try ${tries + 1}).`);
  await pause(decision.waitMs, run.stop.signal);
  return tries;
}

/** Runs `attempt` until it succeeds; a try that brought bytes resets the count. */
async function withRetries<T>(run: Run, what: string, attempt: () => Promise<T>): Promise<T> {
  let tries = 0;
  for (;;) {
    const generation = run.sas.generation;
    const before = run.received;
    try {
      return await attempt();
    } catch (error) {
      // Bytes of an over-long answer are no progress: they are fetched again.
      tries = run.received > before && !(error instanceof OverlongAnswer) ? 1 : tries + 1;
      tries = await afterFailure(run, error, tries, generation, what);
    }
  }
}

function report(run: Run): void {
  const { progress, props, gate } = run;
  if (!progress || !props || !gate) return;
  const done = progress.bytesOnDisk();
  const percent = percentOf(done, props.size);
  if (gate.due(percent, Date.now())) {
    const line = progressLine({ done, total: props.size, receivedThisRun: run.received, elapsedMs: Date.now() - run.startedAt });
    run.options.info(line);
    run.options.setProgress(percent, line);
  }
}

/** Where the bytes of one range go: the partial file at their offset, the hasher, the counters. */
function sinkFor(run: Run, range: ByteRange, from: number): (chunks: Buffer[], bytes: number) => Promise<void> {
  // Memory per connection: the batch being written (about 1 MiB), whatever the blob's size.
  let position = from;
  return async (chunks, bytes) => {
    const { bytesWritten } = await run.handle!.writev(chunks, position);
    if (bytesWritten !== bytes) throw Object.assign(new Error('short write'), { code: 'EIO' });
    position += bytes;
    run.progress!.addWritten(range.index, bytes);
    run.received += bytes;
    run.retry.progressed();
    report(run);
  };
}

async function fetchRange(run: Run, range: ByteRange): Promise<void> {
  const progress = run.progress!;
  const what = `bytes ${range.start}-${range.end - 1}`;
  await withRetries(run, what, async () => {
    const from = range.start + progress.writtenIn(range.index);
    if (from >= range.end) return;
    try {
      await getRange(run.sas.url, from, range.end, run.props!, sinkFor(run, range, from), run.ctx);
    } catch (error) {
      // What an over-long answer wrote of this range is not trusted: the whole range again.
      if (error instanceof OverlongAnswer) progress.resetWritten(range.index);
      throw error;
    }
  });
  progress.complete(range.index);
  run.records!.save();
  await recordsWritten(run, false);
  run.hasher?.poke();
}

/** Every connection takes the next missing range until none is left; the first failure stops all. */
async function fetchAll(run: Run): Promise<void> {
  let failure: unknown;
  const connection = async (): Promise<void> => {
    for (let range = run.progress!.take(); range && failure === undefined; range = run.progress!.take()) {
      try {
        await fetchRange(run, range);
      } catch (error) {
        failure ??= error;
        run.stop.abort();
      }
    }
  };
  const count = Math.max(1, Math.min(run.options.connections, run.progress!.plan.count));
  await Promise.all(Array.from({ length: count }, connection));
  if (failure !== undefined) throw failure;
}

export function identityOf(url: string, props: BlobProperties): BlobIdentity {
  return { blob: blobPath(url), etag: props.etag, size: props.size };
}

function md5Mismatch(run: Run, expected: string, actual: string): DownloadError {
  const { fileName } = run.options.files;
  return new DownloadError(
    `The downloaded file does not match the backup's MD5 (expected ${expected}, got ${actual}); it was removed and ${fileName} was not created.`,
    run.badAnswers > 0
      ? `Storage or a proxy sent ${run.badAnswers} answer(s) that did not fit the ranges asked for: check that nothing between the agent and Azure Storage rewrites answers, then run the task again.`
      : 'Run the task again. If it fails the same way, the backup in LCS is damaged: export a new one.',
    true,
  );
}

/** Every range complete and the file exactly the blob's size, whatever the MD5. */
async function checkSize(run: Run, handle: fsp.FileHandle, size: number): Promise<void> {
  const onDisk = (await handle.stat()).size;
  if (!run.progress!.allDone || onDisk !== size) {
    throw new DownloadError(
      `The downloaded file has ${onDisk} bytes where the backup has ${size}; it was removed and ${run.options.files.fileName} was not created.`,
      'Run the task again; if it fails the same way, check that no other program writes into downloadDirectory.',
      true,
    );
  }
}

/** Checks size and MD5, then publishes the partial file under its final name and removes the record. */
async function finish(run: Run): Promise<Verification> {
  const { files } = run.options;
  const props = run.props!;
  const handle = run.handle!;
  await checkSize(run, handle, props.size);
  let verification: Verification = 'length-and-etag';
  if (props.md5 && run.hasher) {
    const actual = await run.hasher.digest(props.size);
    if (actual !== props.md5) throw md5Mismatch(run, props.md5, actual);
    verification = 'md5';
  }
  // Windows does not rename or link a file that is open: the handle is closed first.
  await handle.close();
  run.handle = undefined;
  await publishFile(files, run.options.overwrite, props.size, run.options.debug);
  // A kill during a record write leaves its temp file behind; only the final file may remain.
  await removeQuietly(files.recordPath, files.recordTempPath);
  return verification;
}

function verificationText(run: Run, verification: Verification): string {
  return verification === 'md5'
    ? `verified by MD5 (${run.props!.md5})`
    : 'verified by length and ETag only (the blob has no stored MD5)';
}

/** After a failure: keep the record (to resume) or drop everything (the blob changed or is gone). */
async function cleanUpAfter(run: Run, error: unknown): Promise<unknown> {
  await run.hasher?.close().catch(() => undefined);
  await run.records?.flush().catch(() => undefined);
  await run.handle?.close().catch(() => undefined);
  run.handle = undefined;
  const { files } = run.options;
  if (error instanceof DownloadError && error.discardPartial) {
    await removeQuietly(files.partialPath, files.recordPath, files.recordTempPath);
    return error;
  }
  if (isFileSystemError(error)) error = fileSystemError('use', error.path ?? files.directory, error);
  const kept = run.progress?.completeBytes ?? 0;
  const advice = resumeAdvice(kept, `${files.fileName}.partial`);
  if (run.cancelled) {
    return new DownloadError('The download was cancelled.', advice);
  }
  if (kept > 0 && (error instanceof DownloadError || error instanceof TransportError)) {
    return new DownloadError(error.message, `${error.advice ?? ''} ${advice}`.trim());
  }
  return error;
}

/** The first record is written before the first byte: a record that cannot be written fails now, not at the end. */
async function startRecords(run: Run, props: BlobProperties): Promise<void> {
  const { files } = run.options;
  const handle = run.handle!;
  const progress = run.progress!;
  run.records = new RecordWriter(files, () => recordFor(identityOf(run.sas.url, props), progress.plan, progress.completeIndices()), () => handle.datasync());
  run.records.save();
  await recordsWritten(run, true);
}

/** Throws, naming the record's path, if a record write failed; `wait`: for the last write first. */
async function recordsWritten(run: Run, wait: boolean): Promise<void> {
  try {
    if (wait) await run.records!.flush();
    else run.records!.check();
  } catch (error) {
    throw fileSystemError('write the resume record', run.options.files.recordPath, error);
  }
}

async function download(run: Run): Promise<DownloadResult> {
  const { options } = run;
  const props = await withRetries(run, PROPERTIES, () => blobProperties(run.sas.url, run.ctx));
  run.props = props;
  if (props.badMd5) options.info('The blob\'s Content-MD5 is not a base64 MD5, so it cannot be compared: the download is verified by length and ETag only.');
  const prepared = await prepareFiles(run, identityOf(run.sas.url, props));
  if (prepared === 'reused') {
    return { path: options.files.finalPath, size: props.size, verification: props.md5 ? 'md5' : 'length-and-etag', reused: true };
  }
  const resumed = run.progress!.completeBytes;
  await startRecords(run, props);
  run.gate = new ProgressGate(percentOf(resumed, props.size), Date.now());
  run.startedAt = Date.now();
  // Hashed in order, and only what complete ranges hold (bytes of a range in flight may be fetched again).
  if (props.md5) run.hasher = new InOrderMd5(options.files.partialPath, () => run.progress!.completePrefix());
  run.hasher?.poke();
  await fetchAll(run);
  await recordsWritten(run, true);
  const verification = await finish(run);
  options.info(finalLine({
    fileName: options.files.fileName, size: props.size, receivedThisRun: run.received, resumedBytes: resumed,
    elapsedMs: Date.now() - run.startedAt, connections: options.connections, verification: verificationText(run, verification),
  }));
  options.setProgress(100, `Downloaded ${formatBytes(props.size)}`);
  return { path: options.files.finalPath, size: props.size, verification, reused: false };
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
    throw await cleanUpAfter(run, run.cancelled ? new Stopped() : error);
  } finally {
    unhook();
    await run.lock?.release();
  }
}
