/**
 * LcsDatabaseBackupCopy@1: choose a backup exactly as LcsDatabaseBackups@1 does, then copy it on
 * the server side (Copy Blob) into the team's own storage account, verify it and publish where it
 * is. Sequencing only: the choice is common/backups/backupChoice.ts', the copy copyRun.ts', the text report.ts'.
 */
import { neutralize } from '../common/text/sanitize';
import { randomUUID } from 'node:crypto';
import { AzureRmConnection } from '../common/azure/azureRm';
import { storageToken } from '../common/azure/azureToken';
import { decideChoice } from '../common/backups/backupChoice';
import { selectBackup } from '../common/backups/backupSelection';
import { logSelection } from '../common/backups/backupSelectionReport';
import { DatabaseAsset, backupOutputValues, isDownloadUrl, listDatabaseBackups, relistBackup } from '../common/lcs/databaseAssets';
import { CopyError } from './copyErrors';
import { TaskHost } from '../common/platform/host';
import { publishOutputs } from '../common/platform/outputVariables';
import { HttpClient, axiosTransport } from '../common/http/http';
import { httpAgentFactory } from '../common/http/network';
import { RetryBudget, budgetWithin } from '../common/http/retry';
import { LcsSession, openLcsSession } from '../common/lcs/session';
import { BlobService, TokenProvider, sourceProperties } from './blobService';
import { CopyResult, SourceFacts, runCopy } from './copyRun';
import { destinationFor } from './destination';
import { OUTPUTS, OutputName } from './outputs';
import { copyMetadata, logDestination, summaryMarkdown } from './report';
import { TaskSettings, readSettings } from './settings';

/** Masks every credential the inputs carry before anything could print one. */
function registerSecrets(host: TaskHost, settings: TaskSettings): void {
  const { destination, arm } = settings;
  if (destination.sasQuery) {
    host.setSecret(destination.sasQuery);
    const sig = new URLSearchParams(destination.sasQuery).get('sig');
    if (sig) {
      host.setSecret(sig);
      host.setSecret(encodeURIComponent(sig));
    }
  }
  for (const secret of [arm?.clientSecret, arm?.systemAccessToken]) {
    if (secret) host.setSecret(secret);
  }
}

/** The HTTP client for storage and token requests: the agent's proxy and CA; plain http only for the managed identity endpoint. */
function storageHttp(host: TaskHost, settings: TaskSettings): HttpClient {
  const agentFor = httpAgentFactory(host.networkSettings());
  return new HttpClient({
    budget: () => new RetryBudget(settings.retryBudgetMs, settings.requestTimeoutMs),
    transport: axiosTransport({ httpAgentFor: (url) => (url.startsWith('http:') ? undefined : agentFor(url)) }),
    log: (line) => host.info(line),
    debug: (line) => host.debug(line),
  });
}

/** A storage token for the ARM connection, registered as a secret, renewed 5 minutes before it expires. */
function tokenKeeper(host: TaskHost, arm: AzureRmConnection | undefined, http: HttpClient, settings: TaskSettings): TokenProvider {
  if (!arm) return undefined;
  let current: { token: string; renewAt: number } | undefined;
  return async () => {
    if (!current || Date.now() >= current.renewAt) {
      const token = await storageToken(arm, http, new RetryBudget(settings.retryBudgetMs, settings.requestTimeoutMs));
      host.setSecret(token.token);
      current = { token: token.token, renewAt: token.expiresOn ? token.expiresOn.getTime() - 5 * 60_000 : Infinity };
    }
    return current.token;
  };
}

/** Lists the backups, chooses one exactly as LcsDatabaseBackups@1 does, or throws its failure. */
async function chooseBackup(host: TaskHost, session: LcsSession, settings: TaskSettings): Promise<DatabaseAsset> {
  const list = await listDatabaseBackups(session.client, settings.projectId);
  // Every download URL is a credential; the copy's source is one of them.
  host.setSecrets(new Set(list.assets.map((a) => a.fileLocation).filter(isDownloadUrl)));
  const now = Date.now();
  const selection = selectBackup(list.assets, settings.criteria);
  logSelection(host, selection, settings.criteria, now);
  // The copy asks LCS for a fresh download URL itself when the old one stops working.
  const choice = decideChoice(selection, { ...settings, failIfNoBackup: true, warnOfExpiry: false }, now);
  choice.lines.forEach((line) => host.info(line));
  choice.warnings.forEach((line) => host.warn(line));
  if (choice.failure || !selection.chosen) {
    throw choice.failure ?? new CopyError('No backup was chosen.');
  }
  return selection.chosen;
}

/** The same backup listed again, for a fresh download URL. */
function freshSource(host: TaskHost, session: LcsSession, projectId: number, backupId: string): () => Promise<DatabaseAsset> {
  return async () => {
    const relisted = await relistBackup(host, session.client, projectId, backupId);
    if ('missing' in relisted) {
      throw new CopyError(
        `Backup ${backupId} is ${relisted.missing} in LCS project ${projectId}.`,
        'Check the backup in LCS (Asset library > Database backup), then run again.',
      );
    }
    return relisted.asset;
  };
}

/** The source's length and MD5 (HEAD of the SAS URL); a refused SAS is renewed once. */
async function sourceFacts(
  http: HttpClient,
  backup: DatabaseAsset,
  fresh: () => Promise<DatabaseAsset>,
  budget: () => RetryBudget,
): Promise<{ facts: SourceFacts; backup: DatabaseAsset }> {
  let props = await sourceProperties(http, backup.fileLocation, budget());
  if (props.status === 403) {
    backup = await fresh();
    props = await sourceProperties(http, backup.fileLocation, budget());
  }
  if (props.status !== 200) {
    throw new CopyError(
      `The backup's storage answered HTTP ${props.status}${props.code ? ` ${props.code}` : ''} to the download URL from LCS.`,
      props.status === 404
        ? "The backup file is gone from LCS's storage: check the backup in LCS, or export a new one."
        : 'Run again later; if it persists, check the backup in LCS.',
    );
  }
  return { facts: { length: props.length, md5: props.md5 }, backup };
}

function publish(host: TaskHost, result: CopyResult, blobName: string, blobUrl: string): void {
  const values: Record<OutputName, string> = { ...backupOutputValues(result.source), CopiedBlobUrl: blobUrl, CopiedBlobName: blobName, CopyId: result.copyId };
  // The copy task always renews and masks the download URL: it is a secret whatever the inputs.
  publishOutputs(host, OUTPUTS, values, { secret: ['FileLocation'] });
}

function attachSummary(host: TaskHost, markdown: string): void {
  try {
    host.attachSummary('LCS database backup copy', `lcs-database-backup-copy-${randomUUID()}.md`, markdown);
  } catch (error) {
    host.warn(`Could not write the summary tab: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
}

export async function copyBackup(host: TaskHost): Promise<void> {
  const settings = readSettings(host.inputs);
  registerSecrets(host, settings);
  const session = await openLcsSession(host, settings);
  const chosen = await chooseBackup(host, session, settings);
  const destination = destinationFor(settings.destination, chosen);
  logDestination(host, settings, destination, chosen);
  const http = storageHttp(host, settings);
  const newBudget = (capMs = Infinity): RetryBudget => budgetWithin(settings.retryBudgetMs, settings.requestTimeoutMs, capMs);
  const fresh = freshSource(host, session, settings.projectId, chosen.id);
  const blobs = new BlobService(http, destination, tokenKeeper(host, settings.arm, http, settings), newBudget, (line) => host.info(line));
  const { facts, backup } = await sourceFacts(http, chosen, fresh, newBudget);
  const result = await runCopy(
    {
      host,
      blobs,
      overwrite: settings.overwrite,
      timeoutMs: settings.timeoutMs,
      pollIntervalMs: settings.pollIntervalMs,
      metadata: copyMetadata(settings.projectId, backup),
      freshSource: fresh,
      newBudget,
    },
    backup,
    facts,
  );
  host.info(
    `Copied and verified ${result.check === 'md5' ? `by length and Content-MD5 (${facts.md5})` : 'by length only (the backup has no Content-MD5)'}: ${neutralize(destination.blobUrl, 600)}`,
  );
  publish(host, result, destination.blobName, destination.blobUrl);
  attachSummary(host, summaryMarkdown(settings.projectId, destination, result, facts));
  host.succeed(`Copied ${destination.blobName}`);
}
