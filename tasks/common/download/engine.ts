/**
 * Downloads one blob (a backup's FileLocation) into a file: parallel ranged GETs pinned to the
 * blob's ETag, written at their offsets into `<name>.partial`, with a resume record beside it;
 * MD5 computed while the bytes arrive; a fresh SAS from LCS when storage refuses the old one;
 * the file renamed to its final name only after verification. Memory stays flat: each
 * connection holds the piece in hand (about 16 KiB), whatever the size of the blob.
 */
import { hostOf } from '../http';
import { promises as fsp } from 'node:fs';
import type { Agent } from 'node:http';
import { TransportError } from '../errors';
import { AttemptFailure, BlobProperties, RangeSink, RequestContext, Stopped, UnexpectedAnswer, WriteFailure, blobProperties, getRange } from './blobHttp';
import { DownloadError, fileSystemError, resumeAdvice, storageRefused } from './errors';
import { writeAt } from './fileWriter';
import { InOrderMd5 } from './hasher';
import { RecordWriter, TargetFiles, removeQuietly } from './partialFile';
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
  startedAt: number;
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
    options, stop, cancelled: false, received: 0, startedAt: Date.now(), host: hostOf(options.url, 'storage'),
    ctx: { agentFor: options.agentFor, stop: stop.signal, timeoutMs: options.requestTimeoutMs },
    retry: new StallBudget(options.retryBudgetMs),
  } as Omit<Run, 'sas'> as Run;
  run.sas = new SasSource(options.url, options.freshUrl, () => run.received, options.info);
  return run;
}

/**
 * 403 codes that mean "this SAS is not accepted (any more)": Azure says AuthenticationFailed for
 * an expired SAS; Azurite and some storage front ends say AuthorizationFailure. Either way a fresh
 * URL from LCS is worth one try (SasSource stops when the fresh one is refused too).
 */
const SAS_REFUSED = new Set(['AuthenticationFailed', 'AuthorizationFailure']);

/** Turns a failed attempt into a wait before the next try, or into the error that ends the download. */
async function afterFailure(run: Run, error: unknown, tries: number, generation: number, what: string): Promise<number> {
  if (error instanceof Stopped || run.stop.signal.aborted) throw new Stopped();
  if (error instanceof WriteFailure) throw fileSystemError('write', run.options.files.partialPath, error.cause);
  if (error instanceof UnexpectedAnswer) throw new DownloadError(error.message, 'Check that no proxy rewrites requests to Azure Storage, then run again.');
  if (!(error instanceof AttemptFailure)) throw error;
  if (error.status === 403 && SAS_REFUSED.has(error.storageCode ?? '')) {
    await run.sas.refresh(generation, error.storageCode!);
    return tries - 1;
  }
  const decision = run.retry.decide(error.outcome, tries);
  if (!decision.retry) {
    if (error.status !== undefined && decision.reason.startsWith('HTTP') && !/tries|budget/.test(decision.reason)) {
      throw storageRefused(error.status, error.storageCode, run.host);
    }
    throw new TransportError(
      `Could not download ${what} from ${run.host}: ${decision.reason}.`,
      'Check that the agent can reach Azure Storage (firewall, proxy), or raise retryBudgetSeconds / requestTimeoutSeconds.',
    );
  }
  run.options.info(`${what}: ${decision.reason}; trying again in ${(decision.waitMs / 1000).toFixed(1)} s (try ${tries + 1}).`);
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
      tries = run.received > before ? 1 : tries + 1;
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
function sinkFor(run: Run, range: ByteRange, from: number): RangeSink {
  // Memory per connection: the piece in hand (about 16 KiB), whatever the blob's size.
  let position = from;
  const fd = run.handle!.fd;
  return (chunk) => {
    writeAt(fd, chunk, position);
    position += chunk.length;
    run.progress!.addWritten(range.index, chunk.length);
    run.received += chunk.length;
    run.retry.progressed();
    run.hasher?.written();
    report(run);
  };
}

async function fetchRange(run: Run, range: ByteRange): Promise<void> {
  const progress = run.progress!;
  const what = `bytes ${range.start}-${range.end - 1}`;
  await withRetries(run, what, async () => {
    const from = range.start + progress.writtenIn(range.index);
    if (from < range.end) {
      await getRange(run.sas.url, from, range.end, run.props!, sinkFor(run, range, from), run.ctx);
    }
  });
  progress.complete(range.index);
  run.records!.save();
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

/** Checks the MD5, then renames the partial file to its final name and removes the record. */
async function finish(run: Run): Promise<Verification> {
  const { files } = run.options;
  const props = run.props!;
  let verification: Verification = 'length-and-etag';
  if (props.md5 && run.hasher) {
    const actual = await run.hasher.digest(props.size);
    if (actual !== props.md5) {
      throw new DownloadError(
        `The downloaded file does not match the backup's MD5 (expected ${props.md5}, got ${actual}); it was removed and ${files.fileName} was not created.`,
        'Run the task again. If it fails the same way, the backup in LCS is damaged: export a new one.',
        true,
      );
    }
    verification = 'md5';
  }
  await run.handle!.close();
  run.handle = undefined;
  try {
    await fsp.rename(files.partialPath, files.finalPath);
  } catch (error) {
    throw fileSystemError('rename the download to', files.finalPath, error);
  }
  // A kill during a record write leaves its temp file behind; only the final file may remain.
  await removeQuietly(files.recordPath, `${files.recordPath}.tmp`);
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
    await removeQuietly(files.partialPath, files.recordPath, `${files.recordPath}.tmp`);
    return error;
  }
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

async function download(run: Run): Promise<DownloadResult> {
  const { options } = run;
  const props = await withRetries(run, 'the backup\'s properties', () => blobProperties(run.sas.url, run.ctx));
  run.props = props;
  const prepared = await prepareFiles(run, identityOf(run.sas.url, props));
  if (prepared === 'reused') {
    return { path: options.files.finalPath, size: props.size, verification: props.md5 ? 'md5' : 'length-and-etag', reused: true };
  }
  const resumed = run.progress!.completeBytes;
  run.records = new RecordWriter(options.files.recordPath, () => recordFor(identityOf(run.sas.url, props), run.progress!.plan, run.progress!.completeIndices()));
  run.records.save();
  run.gate = new ProgressGate(percentOf(resumed, props.size), Date.now());
  run.startedAt = Date.now();
  if (props.md5) run.hasher = new InOrderMd5(options.files.partialPath, () => run.progress!.contiguousPrefix());
  run.hasher?.poke();
  await fetchAll(run);
  await run.records.flush();
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
  }
}
