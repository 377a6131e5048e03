/**
 * The database backups of an LCS project's asset library, as every task sees them: the list
 * request, its entries, whether an entry can be handed to a later step, and the output
 * variables that describe one backup. Pure apart from listDatabaseBackups.
 */
import { LcsApiError } from '../platform/errors';
import { LcsCallOptions, LcsClient, LcsEnvelope, TOO_LARGE_ADVICE } from './lcsClient';
import { LcsInstant, formatInstant, isoSeconds, parseLcsTimestamp } from '../text/time';
import { neutralize } from '../text/sanitize';

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

/**
 * An id goes into output variables and later steps' scripts and URLs. LCS ids are GUIDs; the
 * check accepts any short token of letters, digits and dashes (what a GUID is made of), which
 * is what makes it safe to pass on, without rejecting an id format LCS might adopt.
 */
export const SAFE_ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;

/** SAS URLs are a few hundred characters long; a secret the agent masks in every line stays short. */
const MAX_DOWNLOAD_URL_LENGTH = 8192;
/** Printable ASCII without the space: all a URL in canonical form is made of. */
const URL_TEXT = /^[\x21-\x7e]+$/;

/**
 * Whether a FileLocation is a download URL that can be passed on as it is: published as an
 * output, registered as a secret, echoed by a later step. It must be one line of printable
 * characters (a line break would let `##vso[` start a command in a later step's log, and the
 * agent refuses a secret with a line break and then prints the line), hold no `#` (no
 * fragment, so no `##vso[` either), and be exactly its own canonical https URL: the WHATWG
 * parser silently drops tabs and line breaks and repairs much else, so a URL that merely
 * parses can still differ from what a later step reads. No user name or password either.
 * Anything else, a placeholder such as "N/A" included, is not a download URL.
 */
export function isDownloadUrl(value: string): boolean {
  if (value.length > MAX_DOWNLOAD_URL_LENGTH || !URL_TEXT.test(value) || value.includes('#')) {
    return false;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.href === value && !url.username && !url.password;
}

/** Why a backup cannot be handed to a later step, or undefined when it can. */
export function unusableReason(asset: DatabaseAsset): string | undefined {
  if (!asset.id) {
    return 'it has no Id';
  }
  if (!SAFE_ID.test(asset.id)) {
    return 'its Id is not a safe token (letters, digits and dashes, as in a GUID)';
  }
  if (!asset.fileLocation) {
    return 'it has no FileLocation (download URL)';
  }
  if (!isDownloadUrl(asset.fileLocation)) {
    return 'its FileLocation is not an https:// download URL (one line, exactly in canonical URL form)';
  }
  return undefined;
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
  const instant = parseLcsTimestamp(se) ?? (/^\d{4}-\d{2}-\d{2}$/.test(se) ? parseLcsTimestamp(`${se}T00:00:00Z`) : undefined);
  return instant ? new Date(instant.epochMs) : undefined;
}

/** The output variables that describe one backup, shared by every task that publishes one. */
export const BACKUP_OUTPUTS = ['BackupId', 'FileLocation', 'FileLocationExpiresOn', 'BackupName', 'BackupFileName', 'BackupCreatedDateTime'] as const;
export type BackupOutputName = (typeof BACKUP_OUTPUTS)[number];

/** The values of BACKUP_OUTPUTS for a backup, or all empty without one. */
export function backupOutputValues(asset: DatabaseAsset | undefined): Record<BackupOutputName, string> {
  if (!asset) {
    return { BackupId: '', FileLocation: '', FileLocationExpiresOn: '', BackupName: '', BackupFileName: '', BackupCreatedDateTime: '' };
  }
  const expiresOn = sasExpiry(asset.fileLocation);
  return {
    BackupId: asset.id,
    FileLocation: asset.fileLocation,
    FileLocationExpiresOn: expiresOn ? isoSeconds(expiresOn) : '',
    // Later steps often echo these; a name must not turn into an agent command there either.
    BackupName: neutralize(asset.name, 4000),
    BackupFileName: neutralize(asset.fileName, 4000),
    BackupCreatedDateTime: asset.created ? formatInstant(asset.created) : '',
  };
}

export function listPath(projectId: number): string {
  return `/databasemovement/v1/databases/project/${projectId}`;
}

export interface DatabaseList {
  assets: DatabaseAsset[];
}

/**
 * The most backups the task reads from one list. A project's Asset library holds tens or
 * hundreds; 50,000 (a 30 MB answer) still work. Each entry becomes a DatabaseAsset, so the
 * bound keeps memory flat whatever LCS sends (a list of millions of nulls, say).
 */
export const MAX_DATABASE_ASSETS = 200_000;

/** Reads the list operation's part of an envelope: `DatabaseAssets`. */
export function parseDatabaseList(envelope: LcsEnvelope): DatabaseList {
  const list = envelope.body.DatabaseAssets;
  if (list !== null && list !== undefined && !Array.isArray(list)) {
    throw new LcsApiError('LCS answered IsSuccess: true, but DatabaseAssets is not a list.', 'Run again; if it persists, report it with the debug log.', 200);
  }
  if (list && list.length > MAX_DATABASE_ASSETS) {
    throw new LcsApiError(
      `LCS listed ${list.length.toLocaleString('en-US')} database backups, more than the ${MAX_DATABASE_ASSETS.toLocaleString('en-US')} the task reads from one list.`,
      TOO_LARGE_ADVICE,
      200,
    );
  }
  return { assets: (list ?? []).map(toDatabaseAsset) };
}

export const LIST_BACKUPS = {
  name: 'list',
  couldNot: 'list the database backups',
  ifRefused: "Check the project id and that the account can open the project's Asset library in LCS.",
} as const;

/** GET the project's database backups (with a fresh retry budget unless given another). */
export async function listDatabaseBackups(client: LcsClient, projectId: number, options: LcsCallOptions = {}): Promise<DatabaseList> {
  const envelope = await client.call(LIST_BACKUPS, 'GET', listPath(projectId), options);
  return parseDatabaseList(envelope);
}

/** The same backup listed again, with a download URL; or, in a few words, why there is none. */
export type Relisted = { asset: DatabaseAsset } | { missing: 'listed without a download URL' | 'no longer listed' };

/**
 * Lists the project's backups again for one backup's current download URL (a SAS expires while a
 * long download or copy runs). The URL is registered as a secret before it is returned.
 */
export async function relistBackup(host: { setSecret(value: string): void }, client: LcsClient, projectId: number, backupId: string): Promise<Relisted> {
  const { assets } = await listDatabaseBackups(client, projectId);
  const same = assets.find((a) => a.id === backupId);
  if (!same) return { missing: 'no longer listed' };
  if (!isDownloadUrl(same.fileLocation)) return { missing: 'listed without a download URL' };
  host.setSecret(same.fileLocation);
  return { asset: same };
}
