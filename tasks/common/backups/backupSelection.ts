/**
 * Which backup a task takes (LcsDatabaseBackups@1 and LcsDatabaseBackupCopy@1 share it): filtering
 * the listed backups and choosing the newest. No task-lib, no I/O; everything here is a plain function of its inputs.
 */
import { DatabaseAsset, unusableReason } from '../lcs/databaseAssets';
import { compareInstants, LcsInstant } from '../text/time';
import { compileWildcards } from './wildcards';

export type NewestBy = 'created' | 'modified';

export interface SelectionCriteria {
  namePatterns: string[];
  fileNamePatterns: string[];
  newestBy: NewestBy;
  /**
   * When set, the backup with exactly this Id (any case) is chosen and the filters, newestBy and
   * maxAgeDays do not apply: a choice made once (an earlier run, another stage) is not re-made.
   */
  backupId?: string;
}

export interface SkippedAsset {
  asset: DatabaseAsset;
  reason: string;
}

export interface Selection {
  /** Everything LCS listed. */
  listedCount: number;
  /** Backups that matched the filters and can be ranked, newest first. */
  candidates: DatabaseAsset[];
  /** The first SKIPPED_KEPT backups that matched the filters but cannot be ranked or used. */
  skipped: SkippedAsset[];
  /** How many matching backups were skipped in all. */
  skippedCount: number;
  /** The newest candidate, if any. */
  chosen?: DatabaseAsset;
}

/**
 * How many skipped backups are kept to be named in the log; the rest are counted. A list of
 * 200,000 placeholders must not become 200,000 log lines.
 */
export const SKIPPED_KEPT = 50;

/** Splits a multi-line filter input into patterns: one per line, blank lines ignored. */
export function parsePatterns(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** The timestamp that decides "newest" under a rule. */
export function instantFor(asset: DatabaseAsset, by: NewestBy): LcsInstant | undefined {
  return by === 'created' ? asset.created : asset.modified;
}

/** The LCS field behind a rule, for messages. */
export function fieldName(by: NewestBy): 'CreatedDateTime' | 'ModifiedDateTime' {
  return by === 'created' ? 'CreatedDateTime' : 'ModifiedDateTime';
}

function otherRule(by: NewestBy): NewestBy {
  return by === 'created' ? 'modified' : 'created';
}

/**
 * The deciding timestamp of a ranked backup: selectNewestBackup ranks only backups that have one,
 * so its absence is a bug, reported as one rather than read as undefined.
 */
export function decidingInstant(ranked: DatabaseAsset, by: NewestBy): LcsInstant {
  const instant = instantFor(ranked, by);
  if (!instant) {
    throw new Error(`a ranked backup has no ${fieldName(by)}`);
  }
  return instant;
}

/** Newer first; a missing instant counts as oldest. */
function newerFirst(a: LcsInstant | undefined, b: LcsInstant | undefined): number {
  if (a && b) {
    return compareInstants(b, a);
  }
  return a ? -1 : b ? 1 : 0;
}

/**
 * Newest first by the deciding timestamp; ties go to the newer other timestamp (a missing one
 * counts as oldest), then to the lower id, so the same list always yields the same choice.
 */
export function compareNewestFirst(by: NewestBy): (a: DatabaseAsset, b: DatabaseAsset) => number {
  return (a, b) =>
    newerFirst(instantFor(a, by), instantFor(b, by)) || newerFirst(instantFor(a, otherRule(by)), instantFor(b, otherRule(by))) || lowerIdFirst(a, b);
}

function lowerIdFirst(a: DatabaseAsset, b: DatabaseAsset): number {
  const ai = a.id.toLowerCase();
  const bi = b.id.toLowerCase();
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

/**
 * The backup whose Id equals `backupId`, compared case-insensitively (LCS prints GUIDs in either
 * case). Nothing else is asked of it beyond what every published backup needs: a safe Id and a
 * download URL. Its dates may be missing; they only inform.
 */
export function selectBackupById(assets: DatabaseAsset[], backupId: string): Selection {
  const wanted = backupId.toLowerCase();
  const asset = assets.find((a) => a.id.toLowerCase() === wanted);
  const unusable = asset && unusableReason(asset);
  if (!asset || unusable) {
    const skipped = asset && unusable ? [{ asset, reason: unusable }] : [];
    return { listedCount: assets.length, candidates: [], skipped, skippedCount: skipped.length };
  }
  return { listedCount: assets.length, candidates: [asset], skipped: [], skippedCount: 0, chosen: asset };
}

/** The backup the criteria ask for: the one with `backupId` when set, else the newest match. */
export function selectBackup(assets: DatabaseAsset[], criteria: SelectionCriteria): Selection {
  return criteria.backupId ? selectBackupById(assets, criteria.backupId) : selectNewestBackup(assets, criteria);
}

/** Applies the filters, sets aside what cannot be used, and picks the newest backup. */
export function selectNewestBackup(assets: DatabaseAsset[], criteria: SelectionCriteria): Selection {
  const nameMatches = compileWildcards(criteria.namePatterns);
  const fileNameMatches = compileWildcards(criteria.fileNamePatterns);
  const field = fieldName(criteria.newestBy);
  const candidates: DatabaseAsset[] = [];
  const skipped: SkippedAsset[] = [];
  let skippedCount = 0;
  const skip = (asset: DatabaseAsset, reason: string): void => {
    if (skippedCount++ < SKIPPED_KEPT) {
      skipped.push({ asset, reason });
    }
  };
  for (const asset of assets) {
    if ((nameMatches && !nameMatches(asset.name)) || (fileNameMatches && !fileNameMatches(asset.fileName))) {
      continue;
    }
    const unusable = unusableReason(asset);
    if (unusable) {
      skip(asset, unusable);
    } else if (!instantFor(asset, criteria.newestBy)) {
      const raw = criteria.newestBy === 'created' ? asset.createdRaw : asset.modifiedRaw;
      skip(asset, raw === undefined || raw === null ? `its ${field} is missing` : `its ${field} is not a valid date`);
    } else {
      candidates.push(asset);
    }
  }
  candidates.sort(compareNewestFirst(criteria.newestBy));
  return { listedCount: assets.length, candidates, skipped, skippedCount, chosen: candidates[0] };
}
