/**
 * The functional core: turning the LCS list into candidates, filtering and choosing the newest.
 * No task-lib, no I/O; everything here is a plain function of its inputs.
 */

/** A point in time with the 100 ns precision .NET gives LCS timestamps. */
export interface LcsInstant {
  /** Milliseconds since the Unix epoch (UTC). */
  epochMs: number;
  /** The sub-millisecond part in 100 ns ticks (0-9999), so 7-digit timestamps still order. */
  subMsTicks: number;
}

/** One entry of `DatabaseAssets`, with its timestamps parsed. Text fields are untrusted. */
export interface DatabaseAsset {
  id: string;
  name: string;
  fileName: string;
  description: string;
  fileLocation: string;
  createdRaw: unknown;
  modifiedRaw: unknown;
  created?: LcsInstant;
  modified?: LcsInstant;
}

export type NewestBy = 'created' | 'modified';

export interface SelectionCriteria {
  namePatterns: string[];
  fileNamePatterns: string[];
  newestBy: NewestBy;
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
  /** Backups that matched the filters but cannot be ranked or used. */
  skipped: SkippedAsset[];
  /** The newest candidate, if any. */
  chosen?: DatabaseAsset;
}

// yyyy-MM-ddTHH:mm:ss, optional 1-7 fractional digits, optional Z or ±HH:mm (or ±HHmm).
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an LCS timestamp. LCS writes UTC without an offset (`2019-09-27T15:17:35.867`), so a
 * missing offset means UTC; `Z` and explicit offsets are honoured. Returns undefined for
 * anything else, including impossible dates such as 2026-02-30.
 */
export function parseLcsTimestamp(raw: unknown): LcsInstant | undefined {
  if (typeof raw !== 'string') {
    return undefined;
  }
  const m = TIMESTAMP.exec(raw.trim());
  if (!m) {
    return undefined;
  }
  // Called for every timestamp of every backup (40,000 for a 20,000-backup project), so it
  // checks the calendar with arithmetic rather than a Date round trip.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  // Years before 1900 are placeholders such as .NET's DateTime.MinValue (0001-01-01), not dates;
  // Date.UTC would also read years 0-99 as 1900-1999.
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const ticks = m[7] ? Number(m[7]) * 10 ** (7 - m[7].length) : 0;
  const offsetMinutes = parseOffsetMinutes(m[8]);
  if (offsetMinutes === undefined) {
    return undefined;
  }
  return {
    epochMs: Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(ticks / 10_000) - offsetMinutes * 60_000,
    subMsTicks: ticks % 10_000,
  };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0);
}

function parseOffsetMinutes(designator: string | undefined): number | undefined {
  if (!designator || designator.toUpperCase() === 'Z') {
    return 0;
  }
  const digits = designator.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) {
    return undefined;
  }
  const sign = designator.startsWith('-') ? -1 : 1;
  return sign * (hours * 60 + minutes);
}

/** ISO 8601 in UTC with `Z`, keeping the 100 ns digits when there are any. */
export function formatInstant(instant: LcsInstant): string {
  const iso = new Date(instant.epochMs).toISOString();
  if (instant.subMsTicks === 0) {
    return iso;
  }
  return `${iso.slice(0, -1)}${String(instant.subMsTicks).padStart(4, '0').replace(/0+$/, '')}Z`;
}

/** ISO 8601 in UTC to the second, e.g. `2026-11-29T06:00:00Z`: for messages and expiry times. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Negative when a is earlier than b. */
export function compareInstants(a: LcsInstant, b: LcsInstant): number {
  return a.epochMs - b.epochMs || a.subMsTicks - b.subMsTicks;
}

/** Splits a multi-line filter input into patterns: one per line, blank lines ignored. */
export function parsePatterns(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Compiles wildcard patterns (`*` any text, `?` one character), case-insensitive, any may match. */
export function compileWildcards(patterns: string[]): ((text: string) => boolean) | undefined {
  if (patterns.length === 0) {
    return undefined;
  }
  const source = patterns
    .map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'))
    .join('|');
  const regex = new RegExp(`^(?:${source})$`, 'is');
  return (text) => regex.test(text);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Turns one raw `DatabaseAssets` entry into a DatabaseAsset, tolerating missing fields. */
export function toDatabaseAsset(raw: unknown): DatabaseAsset {
  const r = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    id: text(r.Id).trim(),
    name: text(r.Name),
    fileName: text(r.FileName),
    description: text(r.FileDescription),
    fileLocation: text(r.FileLocation),
    createdRaw: r.CreatedDateTime,
    modifiedRaw: r.ModifiedDateTime,
    created: parseLcsTimestamp(r.CreatedDateTime),
    modified: parseLcsTimestamp(r.ModifiedDateTime),
  };
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

// An id goes into output variables and later steps' scripts and URLs: LCS ids are GUIDs.
const SAFE_ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;

/** Whether a FileLocation is a download URL at all (not a placeholder such as "N/A"). */
export function isDownloadUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Newest first by the deciding timestamp; ties go to the newer other timestamp (a missing one
 * counts as oldest), then to the lower id, so the same list always yields the same choice.
 */
export function compareNewestFirst(by: NewestBy): (a: DatabaseAsset, b: DatabaseAsset) => number {
  return (a, b) => {
    const decided = compareInstants(instantFor(b, by)!, instantFor(a, by)!);
    if (decided !== 0) {
      return decided;
    }
    const ao = instantFor(a, otherRule(by));
    const bo = instantFor(b, otherRule(by));
    if (ao && bo) {
      const other = compareInstants(bo, ao);
      if (other !== 0) {
        return other;
      }
    } else if (ao || bo) {
      return ao ? -1 : 1;
    }
    const ai = a.id.toLowerCase();
    const bi = b.id.toLowerCase();
    return ai < bi ? -1 : ai > bi ? 1 : 0;
  };
}

/** Applies the filters, sets aside what cannot be used, and picks the newest backup. */
export function selectNewestBackup(assets: DatabaseAsset[], criteria: SelectionCriteria): Selection {
  const nameMatches = compileWildcards(criteria.namePatterns);
  const fileNameMatches = compileWildcards(criteria.fileNamePatterns);
  const field = fieldName(criteria.newestBy);
  const candidates: DatabaseAsset[] = [];
  const skipped: SkippedAsset[] = [];
  for (const asset of assets) {
    if ((nameMatches && !nameMatches(asset.name)) || (fileNameMatches && !fileNameMatches(asset.fileName))) {
      continue;
    }
    if (!asset.id) {
      skipped.push({ asset, reason: 'it has no Id' });
    } else if (!SAFE_ID.test(asset.id)) {
      skipped.push({ asset, reason: 'its Id is not a GUID' });
    } else if (!asset.fileLocation) {
      skipped.push({ asset, reason: 'it has no FileLocation (download URL)' });
    } else if (!isDownloadUrl(asset.fileLocation)) {
      skipped.push({ asset, reason: 'its FileLocation is not an https:// download URL' });
    } else if (!instantFor(asset, criteria.newestBy)) {
      const raw = criteria.newestBy === 'created' ? asset.createdRaw : asset.modifiedRaw;
      skipped.push({
        asset,
        reason: raw === undefined || raw === null ? `its ${field} is missing` : `its ${field} is not a valid date`,
      });
    } else {
      candidates.push(asset);
    }
  }
  candidates.sort(compareNewestFirst(criteria.newestBy));
  return { listedCount: assets.length, candidates, skipped, chosen: candidates[0] };
}

/** Age in days of an instant at `now` (negative when it lies in the future). */
export function ageInDays(instant: LcsInstant, now: number): number {
  return (now - instant.epochMs) / 86_400_000;
}

/**
 * The expiry (`se=`) of an Azure Storage SAS URL, or undefined when it has none or it cannot be
 * read. Never throws: the URL is a credential and must not end up in an error message.
 */
export function sasExpiry(fileLocation: string): Date | undefined {
  let se: string | null;
  try {
    se = new URL(fileLocation).searchParams.get('se');
  } catch {
    return undefined;
  }
  if (!se) {
    return undefined;
  }
  const instant = parseLcsTimestamp(se) ?? parseDateOnly(se);
  return instant ? new Date(instant.epochMs) : undefined;
}

function parseDateOnly(value: string): LcsInstant | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseLcsTimestamp(`${value}T00:00:00Z`) : undefined;
}
