/**
 * Time as LCS writes it and as the tasks print it. Pure functions: LCS timestamps (UTC without
 * an offset, up to 100 ns precision), ISO 8601 for outputs and messages, ages.
 */

/** A point in time with the 100 ns precision .NET gives LCS timestamps. */
export interface LcsInstant {
  /** Milliseconds since the Unix epoch (UTC). */
  epochMs: number;
  /** The sub-millisecond part in 100 ns ticks (0-9999), so 7-digit timestamps still order. */
  subMsTicks: number;
}

// yyyy-MM-ddTHH:mm:ss, optional 1-7 fractional digits, optional Z or ±HH:mm (or ±HHmm).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:?\d{2})?$/i;

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
  const { year, month, day, hour, minute, second } = dateFields(m);
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

/** The six fields TIMESTAMP always captures (groups 1-6), as numbers. */
function dateFields(m: RegExpExecArray): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const n = (group: number): number => Number(m[group]);
  return { year: n(1), month: n(2), day: n(3), hour: n(4), minute: n(5), second: n(6) };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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

/** Age in days of an instant at `now` (negative when it lies in the future). */
export function ageInDays(instant: LcsInstant, now: number): number {
  return (now - instant.epochMs) / 86_400_000;
}
