/**
 * Finding the backup an export created. Names repeat in LCS, so the new backup is the one with
 * the export's name that was not there before the start and was created after it (less a few
 * minutes for clocks that differ). Pure apart from awaitExportedBackup, which lists again
 * until LCS shows it, within a budget of its own.
 */
import { DatabaseAsset, listDatabaseBackups, unusableReason } from '../common/databaseAssets';
import { SelectionError } from '../common/errors';
import { TaskHost } from '../common/host';
import { LcsSession } from '../common/session';
import { neutralize } from '../common/sanitize';
import { compareInstants, isoSeconds } from '../common/time';

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
    (a) =>
      hasBackupName(a, backupName) &&
      !before.has(a.id.toLowerCase()) &&
      unusableReason(a) === undefined &&
      a.created !== undefined &&
      a.created.epochMs >= startedAtMs - CLOCK_SKEW_MS,
  );
  return candidates.sort((a, b) => compareInstants(b.created!, a.created!))[0];
}

export interface ListingRequest {
  projectId: number;
  backupName: string;
  before: Set<string>;
  startedAtMs: number;
  activityId: string;
  pollIntervalMs: number;
}

/** Lists until the exported backup appears, every poll interval, for up to LISTING_BUDGET_MS. */
export async function awaitExportedBackup(host: TaskHost, session: LcsSession, request: ListingRequest): Promise<DatabaseAsset> {
  const deadline = Date.now() + LISTING_BUDGET_MS;
  for (let attempt = 1; ; attempt++) {
    // After hours of waiting the session's first budget is long spent: each list gets its own.
    const list = await listDatabaseBackups(session.client, request.projectId, { budget: session.newBudget() });
    const found = findExportedBackup(list.assets, request.backupName, request.before, request.startedAtMs);
    if (found) {
      return found;
    }
    if (Date.now() >= deadline) {
      throw new SelectionError(
        `The export completed (OperationActivityId ${request.activityId}), but no backup named '${neutralize(request.backupName, 120)}' created after ${isoSeconds(new Date(request.startedAtMs))} appeared in the project's asset library within ${LISTING_BUDGET_MS / 60_000} minutes (${attempt} lists).`,
        'Look in LCS > Asset library > Database backup: once it is there, LcsDatabaseBackups@1 with a nameFilter (or its backupId) finds it.',
      );
    }
    if (attempt === 1) {
      host.info(`The export completed; LCS does not list its backup yet. Listing again every ${request.pollIntervalMs / 1000} s for up to ${LISTING_BUDGET_MS / 60_000} min.`);
    }
    // The last list comes at the end of the budget, however long the interval.
    await new Promise((resolve) => setTimeout(resolve, Math.min(request.pollIntervalMs, Math.max(0, deadline - Date.now()))));
  }
}
