/**
 * The copy itself: Copy Blob with the LCS SAS URL as source, then Get Blob Properties every
 * poll interval until the copy ends, within timeoutMinutes. A copy that failed because the source
 * SAS expired or was refused starts again with a fresh SAS from LCS (at most MAX_RESTARTS times;
 * the blob this run's own copy left is replaced whatever overwrite says). A cancel or a timeout
 * aborts the pending copy and says what is left. Success is verified: length, and Content-MD5
 * when the source has one.
 */
import { DatabaseAsset } from '../common/lcs/databaseAssets';
import { formatBytes, formatDuration } from '../common/download/progress';
import { TaskFailure } from '../common/platform/errors';
import { TaskHost, noteOnCancel } from '../common/platform/host';
import { RetryBudget } from '../common/http/retry';
import { neutralize } from '../common/text/sanitize';
import { BlobProps, BlobService, CopyStart } from './blobService';
import { CopyError } from './copyErrors';

export const MAX_RESTARTS = 3;
/** A progress line at least every this many ms (and at each 10 %). */
const PROGRESS_LINE_MS = 60_000;
/** The abort request made when the step is cancelled must end before the runner ends the task. */
const ABORT_TIMEOUT_MS = 1500;

export interface SourceFacts {
  length: number;
  md5?: string;
}

export interface CopyContext {
  host: TaskHost;
  blobs: BlobService;
  overwrite: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  metadata: Record<string, string>;
  /** The same backup listed again (its new FileLocation registered as a secret). */
  freshSource: () => Promise<DatabaseAsset>;
  newBudget: (capMs?: number) => RetryBudget;
}

export interface CopyResult {
  copyId: string;
  length: number;
  /** 'md5' when Content-MD5 was compared, else 'length'. */
  check: 'md5' | 'length';
  restarts: number;
  durationMs: number;
  /** The backup as last listed (its FileLocation is the one the copy used). */
  source: DatabaseAsset;
}

/** Whether a failed copy's description says the source refused the SAS (expired, revoked). */
export function sourceRefused(description: string | undefined): boolean {
  return /\b(401|403)\b|AuthenticationFailed|AuthorizationFailure|CannotVerifyCopySource|expired/i.test(description ?? '');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function leftBehind(ctx: CopyContext): string {
  const d = ctx.blobs.destination;
  return `the blob ${neutralize(d.display, 300)} is left incomplete (an aborted or failed copy leaves a blob of zero or partial length); delete it, or run the task again with overwrite: true to replace it`;
}

/** Aborts the pending copy; never throws. */
async function abortCopy(ctx: CopyContext, copyId: string, timeoutMs: number): Promise<boolean> {
  try {
    return await ctx.blobs.abort(copyId, new RetryBudget(0, timeoutMs));
  } catch {
    return false;
  }
}

/** Logs progress: the progress bar at every poll, a line at every 10 % or minute. */
function progressReporter(ctx: CopyContext, started: number): (props: BlobProps) => void {
  let lastLine = started;
  let lastTenth = -1;
  return (props) => {
    if (props.copied === undefined || !props.total) {
      return;
    }
    const percent = (props.copied / props.total) * 100;
    ctx.host.setProgress(percent, 'copying the backup');
    const tenth = Math.floor(percent / 10);
    if (tenth > lastTenth || Date.now() - lastLine >= PROGRESS_LINE_MS) {
      lastTenth = tenth;
      lastLine = Date.now();
      ctx.host.info(`  ${percent.toFixed(0)} % copied (${formatBytes(props.copied)} of ${formatBytes(props.total)}), ${formatDuration(Date.now() - started)}`);
    }
  };
}

/**
 * Polls until the copy is no longer pending; aborts it on timeout or cancel. A request that fails
 * for good (network, credentials) says that the copy may go on in storage.
 */
async function watchCopy(ctx: CopyContext, start: CopyStart, deadline: number): Promise<BlobProps> {
  try {
    return await pollCopy(ctx, start, deadline);
  } catch (error) {
    if (error instanceof TaskFailure && !(error instanceof CopyError)) {
      throw new CopyError(
        `${error.message} The copy ${start.copyId} may still be running in Azure Storage, and ${leftBehind(ctx)} until it ends.`,
        error.advice,
      );
    }
    throw error;
  }
}

async function pollCopy(ctx: CopyContext, start: CopyStart, deadline: number): Promise<BlobProps> {
  const report = progressReporter(ctx, Date.now());
  const stopCancel = ctx.host.onCancel((signal) => {
    void abortCopy(ctx, start.copyId, ABORT_TIMEOUT_MS).then((aborted) =>
      ctx.host.warn(
        `The step was cancelled (${signal}): ${aborted ? `aborted the pending copy ${start.copyId}` : `could not abort the copy ${start.copyId} in time; it may go on in Azure Storage`}; ${leftBehind(ctx)}.`,
      ),
    );
  });
  try {
    for (;;) {
      const props = await ctx.blobs.properties(ctx.newBudget(Math.max(1000, deadline - Date.now())));
      if (!props) {
        throw new CopyError(
          `The destination blob ${neutralize(ctx.blobs.destination.display, 300)} disappeared during the copy.`,
          'Check that nothing else deletes blobs in the container, then run again.',
        );
      }
      if (props.copyId && start.copyId && props.copyId !== start.copyId) {
        throw new CopyError(
          `Another copy (id ${neutralize(props.copyId, 60)}) replaced this one in ${neutralize(ctx.blobs.destination.display, 300)}.`,
          'Make sure only one pipeline copies into this blob name at a time, then run again.',
        );
      }
      if (props.copyStatus !== 'pending') {
        return props;
      }
      report(props);
      if (Date.now() + ctx.pollIntervalMs > deadline) {
        const aborted = await abortCopy(ctx, start.copyId, 10_000);
        throw new CopyError(
          `The copy did not finish within timeoutMinutes (${formatDuration(ctx.timeoutMs)}); ${aborted ? 'it was aborted' : 'it could not be aborted and may go on'}, and ${leftBehind(ctx)}.`,
          "Raise timeoutMinutes (and the job's timeoutInMinutes): copies between regions run at tens of MB/s.",
        );
      }
      await sleep(ctx.pollIntervalMs);
    }
  } finally {
    stopCancel();
  }
}

/** Checks the finished copy against the source: copy id, length, Content-MD5 when known. */
function verify(ctx: CopyContext, props: BlobProps, facts: SourceFacts): 'md5' | 'length' {
  const where = neutralize(ctx.blobs.destination.display, 300);
  if (props.length !== facts.length) {
    throw new CopyError(
      `The copied blob ${where} has ${props.length} bytes, the backup ${facts.length}.`,
      `Do not use it: delete it, then run again with overwrite: true.`,
    );
  }
  if (facts.md5 && props.md5 !== facts.md5) {
    throw new CopyError(
      `The copied blob ${where} has Content-MD5 ${neutralize(props.md5 ?? 'none', 40)}, the backup ${facts.md5}.`,
      'Do not use it: delete it, then run again with overwrite: true.',
    );
  }
  return facts.md5 ? 'md5' : 'length';
}

/** Copy Blob; a source refused at the start counts as a restart with a fresh SAS. */
async function start(ctx: CopyContext, source: DatabaseAsset, replace: boolean): Promise<CopyStart | 'source-refused'> {
  try {
    const note = `a Copy Blob request into ${neutralize(ctx.blobs.destination.display, 300)} was in flight: a copy may have started there; check the blob and delete it if it is incomplete.`;
    return await noteOnCancel(ctx.host, note, () => ctx.blobs.startCopy(source.fileLocation, ctx.metadata, replace));
  } catch (error) {
    if (error instanceof CopyError && error.code === 'CannotVerifyCopySource') {
      return 'source-refused';
    }
    throw error;
  }
}

/** Runs the copy to a verified end, or throws a CopyError that says what is left. */
export async function runCopy(ctx: CopyContext, first: DatabaseAsset, facts: SourceFacts): Promise<CopyResult> {
  const began = Date.now();
  const deadline = began + ctx.timeoutMs;
  let source = first;
  let ownBlob = false;
  for (let restarts = 0; ; restarts++) {
    const started = await start(ctx, source, ctx.overwrite || ownBlob);
    let why: string;
    if (started === 'source-refused') {
      why = 'storage could not read the backup with its download URL';
    } else {
      ownBlob = true;
      ctx.host.info(`Copy started (id ${neutralize(started.copyId, 60)}, ${started.copyStatus}).`);
      const end = started.copyStatus === 'success' ? await ctx.blobs.properties(ctx.newBudget()) : await watchCopy(ctx, started, deadline);
      if (end?.copyStatus === 'success') {
        const check = verify(ctx, end, facts);
        return { copyId: started.copyId, length: end.length, check, restarts, durationMs: Date.now() - began, source };
      }
      const description = neutralize(end?.copyDescription ?? 'no description', 300);
      if (end?.copyStatus !== 'failed' || !sourceRefused(end.copyDescription) || restarts >= MAX_RESTARTS) {
        throw new CopyError(
          `The copy ${end?.copyStatus ?? 'ended'} (${description})${restarts ? ` after ${restarts} restart${restarts === 1 ? '' : 's'}` : ''}; ${leftBehind(ctx)}.`,
          sourceRefused(end?.copyDescription)
            ? "The backup's storage kept refusing the download URL: run again later, or export a new backup."
            : 'Run again; if it fails the same way, check the storage account (firewall, capacity) and the backup in LCS.',
        );
      }
      why = `the copy failed because the backup's storage refused the download URL (${description})`;
    }
    if (restarts >= MAX_RESTARTS) {
      throw new CopyError(
        `Storage could not read the backup with a fresh download URL either (${MAX_RESTARTS} restarts).`,
        'Run again later, or export a new backup in LCS.',
      );
    }
    ctx.host.warn(`${why}; asking LCS for a fresh download URL and starting the copy again (restart ${restarts + 1} of at most ${MAX_RESTARTS}).`);
    source = await ctx.freshSource();
  }
}
