/**
 * Where the copy goes: a container reached through an Azure Resource Manager connection
 * (storageAccount + containerName) or through a container SAS URL (destinationSasUrl), and the
 * blob's name in it. Pure; every bad value is an InputError before any request.
 */
import { DatabaseAsset } from '../common/lcs/databaseAssets';
import { fallbackFileName, safeFileName } from '../common/download/fileName';
import { InputError } from '../common/platform/errors';
import { InputSource, parseHttpsUrl, trimmed } from '../common/platform/inputs';

export interface DestinationSettings {
  kind: 'arm' | 'sas';
  /** https://<account>.blob.core.windows.net/<container>, or a path-style URL; no query. */
  containerUrl: string;
  accountName: string;
  container: string;
  /** A SAS destination's query (a secret), without the `?`. */
  sasQuery?: string;
  /** Undefined: the backup's file name, made safe. */
  blobName?: string;
}

export interface Destination extends DestinationSettings {
  blobName: string;
  /** The blob's URL without any SAS: what CopiedBlobUrl publishes. */
  blobUrl: string;
  /** For messages: account/container/blob. */
  display: string;
}

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const CONTAINER_NAME = /^(?:\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;

/** The account name in a blob host name: its first label (contoso in contoso.blob.core.windows.net). */
function firstLabel(hostname: string): string {
  return hostname.replace(/\..*$/s, '');
}

/** storageAccount: an account name (in the connection's cloud) or a blob service URL (private endpoint, custom domain, Azurite). */
export function parseStorageAccount(raw: string, storageSuffix: string): { serviceUrl: string; accountName: string } {
  const value = raw.trim();
  if (ACCOUNT_NAME.test(value)) {
    return { serviceUrl: `https://${value}.blob.${storageSuffix}`, accountName: value };
  }
  if (!/^https:\/\//i.test(value)) {
    throw new InputError(
      value
        ? `Input 'storageAccount' must be a storage account name (3 to 24 lower-case letters and digits) or a blob service URL (https://...); got '${value.slice(0, 60)}'.`
        : "Input 'storageAccount' is empty.",
      'Give the account name, e.g. contosobackups, or its blob service URL for a private endpoint, custom domain or another cloud, e.g. https://contosobackups.blob.core.windows.net.',
    );
  }
  const serviceUrl = parseHttpsUrl(value, 'blob service URL (storageAccount)', 'https://contosobackups.blob.core.windows.net', "task input 'storageAccount'");
  const url = new URL(serviceUrl);
  const pathAccount = url.pathname.split('/').filter(Boolean)[0];
  return { serviceUrl, accountName: pathAccount ?? firstLabel(url.hostname) };
}

export function parseContainerName(raw: string): string {
  const value = raw.trim();
  if (!CONTAINER_NAME.test(value)) {
    throw new InputError(
      `Input 'containerName' must be a container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit; got '${value.slice(0, 70)}'.`,
      'Use the name of an existing container, e.g. lcs-backups.',
    );
  }
  return value;
}

/** destinationBlobName: empty, or a blob name (virtual folders with '/' allowed). */
export function parseBlobName(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  const bad = value.length > 1024 || /[\u0000-\u001f\u007f\\]/.test(value) || /(^|\/)\.{1,2}(\/|$)/.test(value) || /[./]$/.test(value) || value.startsWith('/');
  if (bad) {
    throw new InputError(
      `Input 'destinationBlobName' is not a usable blob name ('${value.slice(0, 80)}'): at most 1024 characters, no control characters or backslashes, no '.' or '..' segments, not starting with '/' or ending with '.' or '/'.`,
      "Use a name such as backups/uat-2026-11-28.bacpac, or leave it empty for the backup's file name.",
    );
  }
  return value;
}

/** destinationSasUrl: a container SAS URL (sr=c) that may write. */
export function parseDestinationSasUrl(raw: string): Pick<DestinationSettings, 'containerUrl' | 'accountName' | 'container' | 'sasQuery'> {
  const advice =
    'Give a container SAS URL such as https://contosobackups.blob.core.windows.net/lcs-backups?sv=...&sr=c&sp=racw&sig=... (Azure portal > the container > Shared access tokens, permissions Read, Add, Create, Write), from a secret variable.';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new InputError("Input 'destinationSasUrl' is not a URL.", advice);
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const lastSegment = segments.at(-1);
  if (url.protocol !== 'https:' || !url.searchParams.get('sig') || url.hash || url.username || lastSegment === undefined) {
    throw new InputError(`Input 'destinationSasUrl' must be an https:// container URL with a SAS (sig=...), host ${url.host}.`, advice);
  }
  const sr = url.searchParams.get('sr');
  const sp = url.searchParams.get('sp') ?? '';
  if ((sr && sr !== 'c') || (sp && !/[wc]/.test(sp))) {
    throw new InputError(
      `Input 'destinationSasUrl' must be a container SAS that may write (sr=c, sp with c or w); it has sr=${sr ?? '-'}, sp=${sp.slice(0, 20) || '-'}.`,
      advice,
    );
  }
  const container = decodeURIComponent(lastSegment);
  const containerUrl = `${url.origin}/${segments.join('/')}`;
  // Path-style URLs (an emulator, some private endpoints) name the account before the container.
  const pathAccount = segments.length > 1 ? segments[0] : undefined;
  return { containerUrl, accountName: pathAccount ?? firstLabel(url.hostname), container, sasQuery: url.search.slice(1) };
}

/** The destination inputs, without the ARM connection (read by settings.ts). */
export function readDestination(source: InputSource, storageSuffix: () => string): DestinationSettings {
  const blobName = parseBlobName(trimmed(source, 'destinationBlobName'));
  const sasUrl = trimmed(source, 'destinationSasUrl');
  if (sasUrl) {
    return { kind: 'sas', ...parseDestinationSasUrl(sasUrl), blobName };
  }
  const container = parseContainerName(trimmed(source, 'containerName'));
  const { serviceUrl, accountName } = parseStorageAccount(trimmed(source, 'storageAccount'), storageSuffix());
  return { kind: 'arm', containerUrl: `${serviceUrl}/${container}`, accountName, container, blobName };
}

/** The destination for a chosen backup: the given blob name, or the backup's file name made safe. */
export function destinationFor(settings: DestinationSettings, backup: DatabaseAsset): Destination {
  const blobName = settings.blobName ?? safeFileName(backup.fileName, fallbackFileName(backup.id));
  const blobUrl = `${settings.containerUrl}/${blobName.split('/').map(encodeURIComponent).join('/')}`;
  return { ...settings, blobName, blobUrl, display: `${settings.accountName}/${settings.container}/${blobName}` };
}
