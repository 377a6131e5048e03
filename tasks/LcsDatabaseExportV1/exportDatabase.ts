/**
 * LcsDatabaseExport@1: export a sandbox database to a backup in the asset library, wait for it,
 * publish the new backup. Sequencing only: the operation is exportOperation.ts', its start and
 * the wait common/wait/operationTask.ts', finding the new backup exportedBackup.ts'.
 */
import { DatabaseAsset, backupOutputValues, listDatabaseBackups } from '../common/lcs/databaseAssets';
import { TaskHost, noteOnCancel } from '../common/platform/host';
import { publishOutputs } from '../common/platform/outputVariables';
import { startAndWait } from '../common/wait/operationTask';
import { neutralize } from '../common/text/sanitize';
import { openLcsSession } from '../common/lcs/session';
import { formatInstant } from '../common/text/time';
import { awaitExportedBackup, sameNameIds } from './exportedBackup';
import { EXPORT } from './exportOperation';
import { OUTPUTS } from './outputs';
import { readSettings } from './settings';

function publishBackup(host: TaskHost, backup: DatabaseAsset, fileLocationIsSecret: boolean): void {
  if (fileLocationIsSecret) {
    host.setSecret(backup.fileLocation);
  }
  host.info(
    `New backup:  '${neutralize(backup.name, 120)}' (${neutralize(backup.fileName, 120)}), id ${backup.id}, created ${backup.created ? formatInstant(backup.created) : '?'}.`,
  );
  // OperationActivityId, OperationStatus and CompletionDate were published during the wait.
  publishOutputs(host, OUTPUTS, backupOutputValues(backup), { secret: fileLocationIsSecret ? ['FileLocation'] : [] });
}

export async function exportDatabase(host: TaskHost): Promise<void> {
  const settings = readSettings(host.inputs);
  const session = await openLcsSession(host, settings);
  host.info(`Export:      environment ${settings.environmentId} to a backup named '${neutralize(settings.backupName, 120)}'`);
  // Names repeat: remember which backups had this name, so an older one is never taken.
  const before = settings.waitForCompletion
    ? sameNameIds((await listDatabaseBackups(session.client, settings.projectId)).assets, settings.backupName)
    : new Set<string>();
  const startedAtMs = Date.now();
  // The backup is looked for within timeoutMinutes too.
  const deadlineMs = startedAtMs + settings.timeoutMs;
  const { ref, final } = await startAndWait(host, session, EXPORT, settings);
  if (!final) {
    host.succeed(`Export started: OperationActivityId ${ref.activityId}`);
    return;
  }
  const backup = await noteOnCancel(
    host,
    `the export completed (operation id ${ref.activityId}); its backup '${neutralize(settings.backupName, 120)}' shows in the project's asset library, where LcsDatabaseBackups@1 finds it.`,
    () => awaitExportedBackup(host, session, { ...settings, before, startedAtMs, deadlineMs, activityId: ref.activityId }),
  );
  publishBackup(host, backup, settings.fileLocationIsSecret);
  host.succeed(`Exported to backup ${neutralize(backup.name, 120)} (${final.state})`);
}
