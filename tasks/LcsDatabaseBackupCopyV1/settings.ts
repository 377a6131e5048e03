/**
 * LcsDatabaseBackupCopy@1's own inputs, read after the connection inputs every LCS task shares:
 * the backup choice (shared with LcsDatabaseBackups@1), the destination (an Azure Resource
 * Manager connection with storageAccount and containerName, or destinationSasUrl), overwrite and
 * the wait. Pure apart from the InputSource it is given.
 */
import { AzureRmConnection, readAzureRmConnection } from '../common/azure/azureRm';
import { SelectionInputs, readSelectionInputs } from '../common/backups/backupSelectionInputs';
import { LcsSettings, readTaskSettings } from '../common/lcs/connection';
import { InputError } from '../common/platform/errors';
import { InputSource, parseBoolean, trimmed } from '../common/platform/inputs';
import { parseTimeoutMinutes } from '../common/wait/waitSettings';
import { DestinationSettings, readDestination } from './destination';

export interface CopySettings extends SelectionInputs {
  destination: DestinationSettings;
  /** The connection that signs in to storage; undefined for a SAS destination. */
  arm?: AzureRmConnection;
  overwrite: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
}

export type TaskSettings = LcsSettings & CopySettings;

export const DEFAULT_POLL_SECONDS = 10;

/** pollIntervalSeconds: 0.1 to 3600 seconds, decimals allowed; default 10. */
export function parseCopyPollSeconds(raw: string): number {
  const value = raw.trim();
  if (!value) {
    return DEFAULT_POLL_SECONDS;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 0.1 || n > 3600) {
    throw new InputError(
      `Input 'pollIntervalSeconds' must be a number of seconds from 0.1 to 3600, such as 10; got '${value.slice(0, 40)}'.`,
      `Leave it empty for ${DEFAULT_POLL_SECONDS}: each poll is one request to the storage account.`,
    );
  }
  return n;
}

function readCopySettings(source: InputSource): CopySettings {
  const selection = readSelectionInputs(source);
  const sas = trimmed(source, 'destinationSasUrl');
  const arm = sas ? undefined : readAzureRmConnection(source, 'azureSubscription');
  return {
    ...selection,
    destination: readDestination(source, () => arm?.storageSuffix ?? 'core.windows.net'),
    arm,
    overwrite: parseBoolean(trimmed(source, 'overwrite'), 'overwrite', false),
    timeoutMs: parseTimeoutMinutes(trimmed(source, 'timeoutMinutes')) * 60_000,
    pollIntervalMs: parseCopyPollSeconds(trimmed(source, 'pollIntervalSeconds')) * 1000,
  };
}

/** Everything the task needs, validated; the first bad value throws an InputError. */
export function readSettings(source: InputSource): TaskSettings {
  return readTaskSettings(source, readCopySettings);
}
