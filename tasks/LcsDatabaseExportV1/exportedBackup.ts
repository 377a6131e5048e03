/**
 * Finding the backup an export created. Names repeat in LCS, so the new backup is the one with
 * the export's name that was not there before the start and was created after it (less a few
 * minutes for clocks that differ). Pure apart from awaitExportedBackup, which lists again
 * until LCS shows it, within a budget of its own.
 */
import { DatabaseAsset, listDatabaseBackups, unusableReason } from '../common/lcs/databaseAssets';
import { SelectionError, TaskFailure } from '../common/platform/errors';
import { formatElapsed } from '../common/wait/operationState';
import { isTransient } from '../common/wait/operationWait';
import { budgetWithin } from '../common/http/retry';
import { TaskHost } from '../common/platform/host';
import { LcsSession } from '../common/lcs/session';
import { neutralize } from '../common/text/sanitize';
import { LcsInstant, compareInstants, isoSeconds } from '../common/text/time';

/** How long LCS may take to list a completed export's backup. */
export const LISTING_BUDGET_MS = 5 * 60_000;
/** How far the agent's clock and LCS's may differ. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Name, or FileName without `.bacpac`, equals the export's name, ignoring case. */
export function hasBackupName(asset: DatabaseAsset, backupName: string): boolean {
  const wanted = backupName.toLowerCase();
  return asset.name.toLowerCase() === wanted || asset.fileName.toLowerCase().replace(/\.bacpac$/, '') === wanted;
}

/** Ids of the backups with this name before the export started: never the new one. */
export function sameNameIds(assets: DatabaseAsset[], backupName: string): Set<string> {
  return new Set(assets.filter((a) => hasBackupName(a, backupName)).map((a) => a.id.toLowerCase()));
}

/** The newest usable backup with the name, not known before, created after start − skew. */
export function findExportedBackup(assets: DatabaseAsset[], backupName: string, before: Set<string>, startedAtMs: number): DatabaseAsset | undefined {
  const candidates = assets.filter(
    (a): a is DatabaseAsset & { created: LcsInstant } =>
      hasBackupName(a, backupName) &&
      !before.has(a.id.toLowerCase()) &&
      unusableReason(a) === undefined &&
      a.created !== undefined &&
      a.created.epochMs >= startedAtMs - CLOCK_SKEW_MS,
  );
  return candidates.sort((a, b) => compareInstants(b.created, a.created))[0];
}

export interface ListingRequest {
  projectId: number;
  backupName: string;
  before: Set<string>;
  startedAtMs: number;
  activityId: string;
  pollIntervalMs: number;
  /** The wait's deadline (timeoutMinutes): the listing window ends by then too. */
  deadlineMs: number;
  retryBudgetMs: number;
  requestTimeoutMs: number;
}

/** A list near the deadline still gets this long: the export completed, its backup is worth one look. */
export const LAST_LIST_MS = 30_000;

function notListed(request: ListingRequest, windowMs: number, attempts: number): SelectionError {
  return new SelectionError(
    `The export completed (operation id ${request.activityId}), but no backup named '${neutralize(request.backupName, 120)}' created after ${isoSeconds(new Date(request.startedAtMs))} appeared in the project's asset library within ${formatElapsed(windowMs)} (${attempts} lists).`,
    completedAdvice(request),
  );
}

/** Where the completed export's backup will be: never "run the export again" (a second one counts against the daily limit). */
function completedAdvice(request: ListingRequest): string {
  const name = neutralize(request.backupName, 120);
  return `Do not run the export again: it completed, and another would start a second export. Look in LCS > Asset library > Database backup for '${name}', or find it later with LcsDatabaseBackups@1 and nameFilter '${name}' (or its BackupId).`;
}

/** The list failed for the whole window: the export completed all the same. */
function listFailed(request: ListingRequest, error: TaskFailure): SelectionError {
  return new SelectionError(
    `The export completed (operation id ${request.activityId}), but listing the project's backups to find '${neutralize(request.backupName, 120)}' failed: ${error.message}`,
    completedAdvice(request),
  );
}

/** One list within the window; transient failures are the window's to ride out. */
async function listOnce(session: LcsSession, request: ListingRequest, windowEnd: number): Promise<DatabaseAsset[] | TaskFailure> {
  try {
    const budget = budgetWithin(request.retryBudgetMs, request.requestTimeoutMs, Math.max(windowEnd - Date.now(), LAST_LIST_MS));
    return (await listDatabaseBackups(session.client, request.projectId, { budget })).assets;
  } catch (error) {
    if (isTransient(error)) {
      return error;
    }
    throw error instanceof TaskFailure ? listFailed(request, error) : error;
  }
}

/**
 * Lists until the exported backup appears, every poll interval, for up to LISTING_BUDGET_MS and
 * never past the wait's deadline (one last list at least). A list that fails is tried again
 * within the window; when the window ends, the message says the export completed and where its
 * backup will be.
 */
export async function awaitExportedBackup(host: TaskHost, session: LcsSession, request: ListingRequest): Promise<DatabaseAsset> {
  const started = Date.now();
  const windowEnd = Math.min(started + LISTING_BUDGET_MS, request.deadlineMs);
  for (let attempt = 1; ; attempt++) {
    const listed = await listOnce(session, request, windowEnd);
    const found = listed instanceof TaskFailure ? undefined : findExportedBackup(listed, request.backupName, request.before, request.startedAtMs);
    if (found) {
      return found;
    }
    if (Date.now() >= windowEnd) {
      throw listed instanceof TaskFailure ? listFailed(request, listed) : notListed(request, Date.now() - started, attempt);
    }
    if (listed instanceof TaskFailure) {
      host.warn(`The export completed, but listing its backup failed; trying again within ${formatElapsed(windowEnd - Date.now())}: ${listed.message}`);
    } else if (attempt === 1) {
      host.info(
        `The export completed; LCS does not list its backup yet. Listing again every ${request.pollIntervalMs / 1000} s for up to ${formatElapsed(windowEnd - Date.now())}.`,
      );
    }
    // The last list comes at the end of the window, however long the interval.
    await new Promise((resolve) => setTimeout(resolve, Math.min(request.pollIntervalMs, Math.max(0, windowEnd - Date.now()))));
  }
}
