/**
 * The download step of LcsDatabaseBackups@1: the chosen backup's FileLocation into a verified file
 * on the agent, with a fresh SAS from LCS when storage stops accepting the old one. The engine is
 * tasks/common/download; this is the wiring to the session, the host and the inputs.
 */
import { DatabaseAsset, relistBackup } from '../common/lcs/databaseAssets';
import { DownloadResult, downloadBlob } from '../common/download/engine';
import { DownloadError } from '../common/download/errors';
import { fallbackFileName, safeFileName } from '../common/download/fileName';
import { targetFiles } from '../common/download/partialFile';
import { TaskHost } from '../common/platform/host';
import { publishOutputs } from '../common/platform/outputVariables';
import { httpAgentFactory } from '../common/http/network';
import { connectorFor } from '../common/http/tunnel';
import { neutralize } from '../common/text/sanitize';
import { LcsSession } from '../common/lcs/session';
import { LcsSettings } from '../common/lcs/connection';
import { DownloadSettings } from './downloadSettings';

type Enabled = Extract<DownloadSettings, { enabled: true }>;

/** Lists the project's backups again and returns the same backup's current FileLocation. */
function freshFileLocation(host: TaskHost, session: LcsSession, projectId: number, backupId: string): () => Promise<string> {
  return async () => {
    // A download can last hours: this request gets its own budget (and the session a fresh token).
    const relisted = await relistBackup(host, session.client, projectId, backupId);
    if ('missing' in relisted) {
      throw new DownloadError(
        `The download URL expired, and backup ${backupId} is ${relisted.missing} in LCS project ${projectId}.`,
        'Check the backup in LCS (Asset library > Database backup); run the task again to download the newest one.',
      );
    }
    return relisted.asset.fileLocation;
  };
}

/** The agent's proxy rules are looked up once per URL (task-lib logs each lookup), not per range. */
function onePerUrl<T>(lookup: (url: string) => T): (url: string) => T {
  let last: { url: string; value: T } | undefined;
  return (url) => {
    if (last?.url !== url) last = { url, value: lookup(url) };
    return last.value;
  };
}

type Limits = Pick<LcsSettings, 'projectId' | 'requestTimeoutMs' | 'retryBudgetMs'>;

/** Downloads the chosen backup and publishes DownloadedFilePath. */
export async function downloadChosenBackup(
  host: TaskHost,
  session: LcsSession,
  limits: Limits,
  settings: Enabled,
  chosen: DatabaseAsset,
): Promise<DownloadResult> {
  const fileName = settings.fileName ?? safeFileName(chosen.fileName, fallbackFileName(chosen.id));
  const files = targetFiles(settings.directory, fileName);
  const network = host.networkSettings();
  const proxy = network.proxyFor(chosen.fileLocation);
  host.info(
    `Download:    ${neutralize(fileName, 200)} into ${neutralize(files.directory, 400)}, ${settings.connections} connection${settings.connections === 1 ? '' : 's'}${proxy ? `, through ${proxy.displayUrl}` : ''}`,
  );
  if (!settings.fileName && fileName !== chosen.fileName) {
    host.info(`  The backup's file name '${neutralize(chosen.fileName, 200)}' is not a safe file name on every agent; saving it as ${fileName}.`);
  }
  const result = await downloadBlob({
    url: chosen.fileLocation,
    freshUrl: freshFileLocation(host, session, limits.projectId, chosen.id),
    files,
    connections: settings.connections,
    overwrite: settings.overwrite,
    // The HEAD on node:https; the ranges on HTTP/1.1 spoken on TLS sockets of their own (README: the range client).
    agentFor: onePerUrl(httpAgentFactory(network, { keepAlive: true, maxSockets: settings.connections })),
    connector: onePerUrl(connectorFor(network)),
    requestTimeoutMs: limits.requestTimeoutMs,
    retryBudgetMs: limits.retryBudgetMs,
    info: (line) => host.info(line),
    debug: (line) => host.debug(line),
    setProgress: (percent, text) => host.setProgress(percent, text),
    onCancel: (handler) => host.onCancel(handler),
  });
  publishOutputs(host, ['DownloadedFilePath'], { DownloadedFilePath: result.path }, { silent: true });
  host.info(`DownloadedFilePath = ${neutralize(result.path, 600)}`);
  return result;
}

/** The download step, when the inputs ask for it: nothing to do when no backup was chosen. */
export async function downloadIfAsked(
  host: TaskHost,
  session: LcsSession,
  settings: Limits & { download: DownloadSettings },
  chosen: DatabaseAsset | undefined,
): Promise<void> {
  if (!settings.download.enabled) {
    return;
  }
  if (!chosen) {
    host.info('Download:    skipped, no backup was chosen (DownloadedFilePath is empty).');
    return;
  }
  await downloadChosenBackup(host, session, settings, settings.download, chosen);
}
