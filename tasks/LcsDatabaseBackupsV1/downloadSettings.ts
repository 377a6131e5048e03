/**
 * The "Download" inputs of LcsDatabaseBackups@1, validated only when `download` is true. Pure
 * apart from the InputSource it is given.
 */
import * as path from 'node:path';
import { InputError } from '../common/platform/errors';
import { InputSource, parseBoolean, trimmed } from '../common/platform/inputs';
import { safeFileName } from '../common/download/fileName';

export const MAX_CONNECTIONS = 64;
export const DEFAULT_CONNECTIONS = 8;

export type DownloadSettings =
  | { enabled: false }
  | {
      enabled: true;
      /** Absolute. */
      directory: string;
      /** A plain file name; undefined: the backup's FileName made safe. */
      fileName?: string;
      connections: number;
      overwrite: boolean;
    };

export function parseConnections(raw: string): number {
  const value = raw.trim();
  if (!value) {
    return DEFAULT_CONNECTIONS;
  }
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_CONNECTIONS) {
    throw new InputError(
      `Input 'downloadConnections' must be a whole number from 1 to ${MAX_CONNECTIONS}; got '${value.slice(0, 40)}'.`,
      `Use ${DEFAULT_CONNECTIONS} (the default) unless storage throttles you; leave it empty for the default.`,
    );
  }
  return n;
}

export function parseDownloadDirectory(raw: string): string {
  const value = raw.trim();
  if (!value) {
    throw new InputError("Input 'downloadDirectory' is empty.", 'Set it to a directory on the agent, e.g. $(Agent.TempDirectory) (the default).');
  }
  if (/\$\([^)]*\)/.test(value)) {
    throw new InputError(
      `Input 'downloadDirectory' still contains a variable reference ('${value.slice(0, 100)}'): that variable is not defined in this pipeline.`,
      'Define the variable, or give a path such as $(Agent.TempDirectory).',
    );
  }
  return path.resolve(value);
}

/** A file name given by the user must be a plain name: the same rules as for names from LCS. */
export function parseDownloadFileName(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) {
    return undefined;
  }
  if (safeFileName(value, '') !== value) {
    throw new InputError(
      `Input 'downloadFileName' must be a plain file name (no folders, no characters such as <>:"/\\|?*, no reserved names such as CON or NUL, no leading or trailing dots); got '${value.slice(0, 100)}'.`,
      'Put the folder into downloadDirectory and only the name into downloadFileName, e.g. golden.bacpac.',
    );
  }
  return value;
}

export function readDownloadSettings(source: InputSource): DownloadSettings {
  if (!parseBoolean(trimmed(source, 'download'), 'download', false)) {
    return { enabled: false };
  }
  return {
    enabled: true,
    directory: parseDownloadDirectory(trimmed(source, 'downloadDirectory')),
    fileName: parseDownloadFileName(trimmed(source, 'downloadFileName')),
    connections: parseConnections(trimmed(source, 'downloadConnections')),
    overwrite: parseBoolean(trimmed(source, 'overwriteExisting'), 'overwriteExisting', false),
  };
}
