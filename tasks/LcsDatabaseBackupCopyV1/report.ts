/**
 * What a person reads of LcsDatabaseBackupCopy@1: the destination lines, the summary tab, and the
 * metadata the copied blob carries. Pure string building; untrusted text goes through
 * neutralize / escapeMarkdown, and metadata values are percent-encoded (headers are ASCII).
 */
import { DatabaseAsset } from '../common/lcs/databaseAssets';
import { formatBytes, formatDuration } from '../common/download/progress';
import { TaskHost } from '../common/platform/host';
import { escapeMarkdown, neutralize } from '../common/text/sanitize';
import { formatInstant } from '../common/text/time';
import { CopyResult, SourceFacts } from './copyRun';
import { Destination } from './destination';
import { TaskSettings } from './settings';

/** Metadata given with the Copy Blob request: names the LCS project, backup id, name and created date. */
export function copyMetadata(projectId: number, backup: DatabaseAsset): Record<string, string> {
  // Header values are ASCII: names are percent-encoded (decodeURIComponent gives them back).
  const ascii = (text: string): string => encodeURIComponent(text).slice(0, 2048);
  return {
    lcsprojectid: String(projectId),
    lcsbackupid: backup.id,
    lcsbackupname: ascii(backup.name),
    lcsbackupfilename: ascii(backup.fileName),
    lcsbackupcreated: backup.created ? formatInstant(backup.created) : '',
  };
}

function connectionLine(settings: TaskSettings): string {
  const arm = settings.arm;
  if (!arm) {
    return 'a container SAS (destinationSasUrl)';
  }
  const kind = {
    WorkloadIdentityFederation: 'workload identity federation',
    ServicePrincipal: 'service principal with a secret',
    ManagedServiceIdentity: "the agent's managed identity",
  }[arm.scheme];
  return `Azure Resource Manager connection in 'azureSubscription' (${kind}${arm.tenantId ? `, tenant ${arm.tenantId}` : ''})`;
}

export function logDestination(host: TaskHost, settings: TaskSettings, d: Destination, backup: DatabaseAsset): void {
  host.info(`Destination: ${neutralize(d.blobUrl, 600)}`);
  host.info(`  Sign-in:   ${connectionLine(settings)}`);
  host.info(
    `  Overwrite: ${settings.overwrite ? 'yes, an existing blob is replaced' : 'no, an existing blob fails the task'}; timeout ${formatDuration(settings.timeoutMs)}, poll every ${settings.pollIntervalMs / 1000} s`,
  );
  if (!settings.destination.blobName && d.blobName !== backup.fileName) {
    host.info(`  The backup's file name '${neutralize(backup.fileName, 200)}' is not a safe blob name; copying it as ${neutralize(d.blobName, 200)}.`);
  }
}

/** The Markdown of the pipeline's summary tab: one row for the copy. */
export function summaryMarkdown(projectId: number, d: Destination, result: CopyResult, facts: SourceFacts): string {
  const b = result.source;
  const check = result.check === 'md5' ? `length and Content-MD5 (${facts.md5})` : 'length (no Content-MD5 at the source)';
  return [
    `**Project** ${projectId}: backup copied on the server side (Copy Blob), verified by ${escapeMarkdown(check)}.`,
    '',
    '| Backup | Created (UTC) | Destination | Size | Copy id | Time |',
    '|---|---|---|---|---|---|',
    `| ${escapeMarkdown(b.name)} (${escapeMarkdown(b.id)}) | ${b.created ? formatInstant(b.created) : '-'} | ${escapeMarkdown(d.blobUrl, 600)} | ${formatBytes(result.length)} | ${escapeMarkdown(result.copyId)} | ${formatDuration(result.durationMs)}${result.restarts ? `, ${result.restarts} restart(s)` : ''} |`,
    '',
    "Outputs `CopiedBlobUrl` (no SAS), `CopiedBlobName`, `CopyId` and the backup's (`BackupId`, `BackupName`, ...): pass them to scripts only through `env:`.",
    '',
  ].join('\n');
}
