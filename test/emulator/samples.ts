/**
 * Realistic LCS "DatabaseAssets" for the emulator, modelled on the example in Microsoft's
 * "List database backups" reference page. Everything is derived from a seed, so a given `now`
 * always produces the same list: tests can assert on ids and names without snapshots drifting.
 */
import { createHash } from 'node:crypto';

/** One element of `DatabaseAssets`, exactly as the LCS API serializes it (PascalCase, nulls allowed). */
export interface RawBackup {
  Id: string;
  ProjectId: number;
  OrganizationId: number;
  Name: string | null;
  FileName: string | null;
  FileDescription: string | null;
  FileLocation: string | null;
  ModifiedDateTime: string | null;
  CreatedDateTime: string | null;
  CreatedByName: string | null;
  ModifiedByName: string | null;
}

export const SAMPLE_PROJECT_ID = 1234567;
export const SAMPLE_ORGANIZATION_ID = 1;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** LCS hands out SAS URLs that expire about a day later; the reference example shows ~20 hours. */
const SAS_LIFETIME_MS = 20 * HOUR_MS;

/** Deterministic pseudo-random bytes: SHA-256 in counter mode over the seed. */
export function seededBytes(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    blocks.push(createHash('sha256').update(`${seed}#${counter}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** A version-4-shaped GUID derived from the seed (lower case, like LCS returns them). */
export function seededGuid(seed: string): string {
  const b = Buffer.from(seededBytes(`guid:${seed}`, 16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * LCS timestamps carry no offset (they are UTC) and come with 3 fractional digits, or 7 when .NET
 * serializes a full-precision DateTime: `2026-11-27T15:17:35.867` / `2026-11-27T15:17:35.8671234`.
 */
export function lcsTimestamp(date: Date, sevenDigits = false, extraTicks = '0000'): string {
  const iso = date.toISOString().replace('Z', '');
  return sevenDigits ? `${iso}${extraTicks}` : iso;
}

/** `yyyy-mm-dd` of a date in UTC, as people type it into backup names. */
function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * A read-only blob SAS URL shaped like the ones LCS returns: `sig` is base64 (escaped %2F %2B %3D)
 * and `se` is the URL-encoded expiry with `Z` and no milliseconds.
 */
export function sasUrl(seed: string, expiresOn: Date, account = 'uswedpl1catalog'): string {
  const container = 'product-ax7productname';
  const folder = seededGuid(`${seed}:folder`);
  const blob = `AX7ProductName-12-17-${seededGuid(`${seed}:blob`)}-${folder}`;
  const signature = encodeURIComponent(realisticSignature(seed));
  const expiry = encodeURIComponent(expiresOn.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return `https://${account}.blob.core.windows.net/${container}/${folder}/${blob}` + `?sv=2015-12-11&sr=b&sig=${signature}&se=${expiry}&sp=r`;
}

/**
 * 32 bytes of base64 always end in `=`; two fixed positions are set to `/` and `+` so that every
 * signature needs the percent-escapes real SAS signatures contain (and stays valid base64).
 */
function realisticSignature(seed: string): string {
  const chars = seededBytes(`sig:${seed}`, 32).toString('base64').split('');
  chars[7] = '/';
  chars[19] = '+';
  return chars.join('');
}

interface SampleSpec {
  name: string | null;
  fileName: string | null;
  description: string | null;
  createdAgoMs: number;
  modifiedAgoMs: number;
  sevenDigits?: boolean;
  createdBy: string | null;
  modifiedBy: string | null;
}

/**
 * Five backups as a real project's asset library holds them. Chosen so the interesting decisions
 * are exercised:
 * - newest by CreatedDateTime: "UAT golden <now-1d>" (index 0, created ~1 day before `now`);
 * - newest by ModifiedDateTime: "PROD copy ..." (index 1, created 3 days ago, modified 6 hours ago);
 * - a repeated name ("UAT golden ...") told apart only by dates, with a 7-digit fraction;
 * - empty/null optional fields (FileDescription "", CreatedByName null) as LCS really returns them.
 */
export function sampleBackups(now: Date = new Date()): RawBackup[] {
  const day = (n: number) => isoDay(new Date(now.getTime() - n * DAY_MS));
  const specs: SampleSpec[] = [
    {
      name: `UAT golden ${day(1)}`,
      fileName: `UAT-golden-${day(1)}.bacpac`,
      description: 'Nightly export of UAT',
      createdAgoMs: DAY_MS + 17 * 60_000,
      modifiedAgoMs: DAY_MS + 17 * 60_000,
      createdBy: 'LCS pipeline',
      modifiedBy: 'LCS pipeline',
    },
    {
      name: `PROD copy ${day(3)}`,
      fileName: `PROD-copy-${day(3)}.bacpac`,
      description: '',
      createdAgoMs: 3 * DAY_MS + 5 * HOUR_MS,
      modifiedAgoMs: 6 * HOUR_MS,
      createdBy: null,
      modifiedBy: 'Nadia Admin',
    },
    {
      name: `UAT golden ${day(8)}`,
      fileName: `UAT-golden-${day(8)}.bacpac`,
      description: 'Nightly export of UAT',
      createdAgoMs: 8 * DAY_MS + 2 * HOUR_MS,
      modifiedAgoMs: 8 * DAY_MS + 2 * HOUR_MS,
      sevenDigits: true,
      createdBy: 'LCS pipeline',
      modifiedBy: null,
    },
    {
      name: 'Before upgrade 10.0.44',
      fileName: 'before-upgrade-10.0.44.bacpac',
      description: 'Taken before the 10.0.44 service update',
      createdAgoMs: 15 * DAY_MS + 9 * HOUR_MS,
      modifiedAgoMs: 15 * DAY_MS + 9 * HOUR_MS,
      createdBy: 'Nadia Admin',
      modifiedBy: 'Nadia Admin',
    },
    {
      name: 'Golden config',
      fileName: 'golden-config.bacpac',
      description: null,
      createdAgoMs: 41 * DAY_MS + 3 * HOUR_MS,
      modifiedAgoMs: 40 * DAY_MS,
      createdBy: null,
      modifiedBy: null,
    },
  ];
  const seedBase = `sample:${isoDay(now)}`;
  return specs.map((spec, index) => toRawBackup(spec, `${seedBase}:${index}`, now));
}

function toRawBackup(spec: SampleSpec, seed: string, now: Date): RawBackup {
  const created = new Date(now.getTime() - spec.createdAgoMs);
  const modified = new Date(now.getTime() - spec.modifiedAgoMs);
  const ticks = seededBytes(`ticks:${seed}`, 2).readUInt16BE(0).toString().padStart(4, '0').slice(0, 4);
  return {
    Id: seededGuid(seed),
    ProjectId: SAMPLE_PROJECT_ID,
    OrganizationId: SAMPLE_ORGANIZATION_ID,
    Name: spec.name,
    FileName: spec.fileName,
    FileDescription: spec.description,
    FileLocation: sasUrl(seed, new Date(now.getTime() + SAS_LIFETIME_MS)),
    CreatedDateTime: lcsTimestamp(created, spec.sevenDigits, ticks),
    ModifiedDateTime: lcsTimestamp(modified, spec.sevenDigits, ticks),
    CreatedByName: spec.createdBy,
    ModifiedByName: spec.modifiedBy,
  };
}

const GENERATED_NAMES = ['UAT golden', 'PROD copy', 'Before upgrade', 'Golden config', 'Dev refresh', 'Training'] as const;

/**
 * `count` deterministic backups for load tests (1,000 / 20,000): created one per ~hour going back
 * from `now - 1 day` with a few minutes of jitter, served in a shuffled order (LCS documents no
 * ordering). About 1 in 211 has a null Name, 1 in 97 a null FileDescription, 1 in 50 a null
 * ModifiedDateTime, to keep parsers honest. Timestamps are an hour apart (jitter < 20 min), so
 * the newest by creation is unique; find it by CreatedDateTime, its position is shuffled.
 */
export function generateBackups(count: number, now: Date = new Date()): RawBackup[] {
  const expiresOn = new Date(now.getTime() + SAS_LIFETIME_MS);
  const backups: RawBackup[] = [];
  for (let i = 0; i < count; i++) {
    backups.push(generatedBackup(i, count, now, expiresOn));
  }
  return deterministicShuffle(backups, `shuffle:${count}`);
}

function generatedBackup(i: number, count: number, now: Date, expiresOn: Date): RawBackup {
  const seed = `generated:${count}:${i}`;
  const jitterMs = seededBytes(`jitter:${seed}`, 2).readUInt16BE(0) % (20 * 60_000);
  // i = count - 1 is the newest; hours between backups keep every timestamp distinct.
  const created = new Date(now.getTime() - DAY_MS - (count - 1 - i) * HOUR_MS - jitterMs);
  const modified = new Date(created.getTime() + (i % 7) * 60_000);
  const label = GENERATED_NAMES[i % GENERATED_NAMES.length];
  const day = isoDay(created);
  return {
    Id: seededGuid(seed),
    ProjectId: SAMPLE_PROJECT_ID,
    OrganizationId: SAMPLE_ORGANIZATION_ID,
    Name: i % 211 === 5 ? null : `${label} ${day} #${i}`,
    FileName: `${label.replace(/ /g, '-')}-${day}-${i}.bacpac`,
    FileDescription: i % 97 === 3 ? null : `Generated backup ${i} of ${count}`,
    FileLocation: sasUrl(seed, expiresOn),
    CreatedDateTime: lcsTimestamp(created, i % 3 === 0, String(i % 10_000).padStart(4, '0')),
    ModifiedDateTime: i % 50 === 7 ? null : lcsTimestamp(modified),
    CreatedByName: i % 4 === 0 ? null : 'LCS pipeline',
    ModifiedByName: null,
  };
}

/** Fisher-Yates driven by seeded bytes, so the order is stable across runs and machines. */
function deterministicShuffle<T>(items: T[], seed: string): T[] {
  const random = seededBytes(seed, items.length * 4);
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.readUInt32BE(i * 4) % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
