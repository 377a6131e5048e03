/**
 * LcsDatabaseBackups@1: sign in with an LCS connection, list the project's database backups,
 * publish the newest as output variables. The decisions live in ../common (pure functions);
 * this file sequences them and talks to the agent.
 */
import { randomUUID } from 'node:crypto';
import * as agent from '../common/agent';
import { signIn } from '../common/auth';
import { DatabaseAsset, ageInDays, fieldName, formatInstant, instantFor, isDownloadUrl, isoSeconds, sasExpiry, selectNewestBackup } from '../common/backups';
import { SelectionError } from '../common/errors';
import { HttpClient, axiosTransport } from '../common/http';
import { listDatabaseBackups } from '../common/lcsApi';
import { agentFactory } from '../common/network';
import { backupTable, chosenLine, describeFilters, formatAge, summaryMarkdown } from '../common/report';
import { RetryBudget } from '../common/retry';
import { CONNECTION_INPUTS, TaskSettings, readSettings } from '../common/settings';
import { neutralize } from '../common/sanitize';

/** Warn about a chosen backup older than this when no maxAgeDays is set. */
const STALE_AFTER_DAYS = 30;
/** Warn when the download URL expires sooner than this. */
const EXPIRY_WARNING_MS = 2 * 60 * 60 * 1000;
/** How many skipped backups get a warning line each before the rest are summed up. */
const SKIP_WARNINGS = 5;

export const OUTPUTS = [
  'BackupId',
  'FileLocation',
  'FileLocationExpiresOn',
  'BackupName',
  'BackupFileName',
  'BackupCreatedDateTime',
  'BackupCount',
] as const;
type OutputName = (typeof OUTPUTS)[number];

function logConnection(settings: TaskSettings, proxy: string | undefined): void {
  const c = settings.connection;
  agent.info(`Connection:  ${CONNECTION_INPUTS[c.kind].label} (input ${c.inputName})`);
  agent.info(`  LCS API:   ${new URL(c.apiUrl).host}`);
  agent.info(`  Sign-in:   ${new URL(c.authority).host}${new URL(c.authority).pathname}`);
  agent.info(`  Account:   ${neutralize(c.username, 200)}`);
  if (proxy) {
    agent.info(`  Proxy:     ${proxy}`);
  }
  agent.info(`Project:     ${settings.projectId}`);
}

function warnAboutSkipped(skipped: { asset: DatabaseAsset; reason: string }[]): void {
  for (const { asset, reason } of skipped.slice(0, SKIP_WARNINGS)) {
    agent.warn(`Skipped backup '${neutralize(asset.name, 120)}' (id ${neutralize(asset.id || '?', 60)}): ${reason}.`);
  }
  if (skipped.length > SKIP_WARNINGS) {
    agent.warn(`Skipped ${skipped.length - SKIP_WARNINGS} more matching backups for the same kinds of reasons (debug output lists them).`);
    for (const { asset, reason } of skipped.slice(SKIP_WARNINGS)) {
      agent.debug(`Skipped '${neutralize(asset.name, 120)}' (id ${neutralize(asset.id || '?', 60)}): ${reason}.`);
    }
  }
}

function publish(values: Record<OutputName, string>, fileLocationIsSecret: boolean): void {
  for (const name of OUTPUTS) {
    agent.setOutput(name, values[name], name === 'FileLocation' && fileLocationIsSecret);
  }
}

export async function findNewestBackup(): Promise<void> {
  const settings = readSettings(agent.agentInputs);
  const { connection, criteria } = settings;

  const network = agent.agentNetworkSettings();
  const proxy = network.proxyFor(connection.apiUrl)?.displayUrl;
  logConnection(settings, proxy);

  const http = new HttpClient({
    budget: new RetryBudget(settings.retryBudgetMs, settings.requestTimeoutMs),
    transport: axiosTransport({ agentFor: agentFactory(network) }),
    log: agent.info,
    debug: agent.debug,
  });

  const token = await signIn(connection, http, agent.debug);
  agent.setSecret(token.token);
  agent.info(`Signed in to Microsoft Entra ID${token.expiresOn ? ` (token valid until ${isoSeconds(token.expiresOn)})` : ''}.`);

  const list = await listDatabaseBackups(http, connection.apiUrl, settings.projectId, token.token);
  if (settings.fileLocationIsSecret) {
    // Every download URL is a credential; mask them all before anything could print one. A
    // placeholder such as "N/A" is not, and masking it would hide that text all over the log.
    agent.setSecrets(new Set(list.assets.map((a) => a.fileLocation).filter(isDownloadUrl)));
  }
  agent.debug(`LCS OperationActivityId: ${list.operationActivityId ?? '(none)'}`);
  if (list.versionEol) {
    agent.warn(
      `LCS says this API version (x-ms-version 2017-09-15) will be retired on ${isoSeconds(list.versionEol)}. Watch for an update of this task before then.`,
    );
  }

  const now = Date.now();
  const selection = selectNewestBackup(list.assets, criteria);
  agent.info(
    `Backups:     ${selection.listedCount} listed, ${selection.candidates.length} matched (${describeFilters(criteria)}), newest by ${fieldName(criteria.newestBy)}.`,
  );
  warnAboutSkipped(selection.skipped);
  if (selection.candidates.length) {
    agent.info('');
    for (const line of backupTable(selection.candidates, now, criteria.newestBy)) {
      agent.info(line);
    }
    agent.info('');
  }

  const chosen = selection.chosen;
  const expiresOn = chosen ? sasExpiry(chosen.fileLocation) : undefined;
  const summary = summaryMarkdown({
    projectId: settings.projectId,
    apiHost: new URL(connection.apiUrl).host,
    selection,
    criteria,
    now,
    fileLocationIsSecret: settings.fileLocationIsSecret,
    fileLocationExpiresOn: expiresOn,
  });
  try {
    agent.attachSummary('LCS database backups', `lcs-database-backups-${randomUUID()}.md`, summary);
  } catch (error) {
    // The summary is a convenience; the outputs are what later steps need.
    agent.warn(`Could not write the summary tab: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }

  if (!chosen) {
    const what = `No database backup in LCS project ${settings.projectId} matched (${selection.listedCount} listed; ${describeFilters(criteria)}${selection.skipped.length ? `; ${selection.skipped.length} skipped` : ''}).`;
    const fix = 'Check the name and file name filters against the Asset library > Database backup list in LCS, or export a new backup.';
    if (settings.failIfNoBackup) {
      throw new SelectionError(what, fix);
    }
    publish({ BackupId: '', FileLocation: '', FileLocationExpiresOn: '', BackupName: '', BackupFileName: '', BackupCreatedDateTime: '', BackupCount: '0' }, settings.fileLocationIsSecret);
    agent.warn(`${what} BackupCount is 0 (failIfNoBackup is false).`);
    agent.succeedWithIssues('No database backup matched; BackupCount = 0.');
    return;
  }

  agent.info(chosenLine(selection, criteria, now));
  const decidingInstant = instantFor(chosen, criteria.newestBy)!;
  const age = ageInDays(decidingInstant, now);
  if (settings.maxAgeDays !== undefined && age > settings.maxAgeDays) {
    throw new SelectionError(
      `The newest matching backup '${neutralize(chosen.name, 120)}' is ${age.toFixed(1)} days old (${criteria.newestBy} ${isoSeconds(new Date(decidingInstant.epochMs))}), older than maxAgeDays (${settings.maxAgeDays}).`,
      'Export a fresh backup in LCS (or run the export first), or raise maxAgeDays.',
    );
  }
  if (settings.maxAgeDays === undefined && age > STALE_AFTER_DAYS) {
    agent.warn(
      `The chosen backup '${neutralize(chosen.name, 120)}' is ${formatAge(decidingInstant, now)} old (more than ${STALE_AFTER_DAYS} days); a refresh from a stale backup is usually a mistake. Set maxAgeDays to fail instead, or to silence this warning.`,
    );
  }
  if (expiresOn && expiresOn.getTime() - now < EXPIRY_WARNING_MS) {
    const when = expiresOn.getTime() <= now ? 'has already expired' : `expires in ${Math.round((expiresOn.getTime() - now) / 60_000)} min`;
    agent.warn(
      `The download URL (FileLocation) of the chosen backup ${when} (${isoSeconds(expiresOn)}); later steps may fail to download it. Run this task right before the download.`,
    );
  }

  publish(
    {
      BackupId: chosen.id,
      FileLocation: chosen.fileLocation,
      FileLocationExpiresOn: expiresOn ? isoSeconds(expiresOn) : '',
      // Later steps often echo these; a name must not turn into an agent command there either.
      BackupName: neutralize(chosen.name, 4000),
      BackupFileName: neutralize(chosen.fileName, 4000),
      BackupCreatedDateTime: chosen.created ? formatInstant(chosen.created) : '',
      BackupCount: String(selection.candidates.length),
    },
    settings.fileLocationIsSecret,
  );
  agent.info(
    `Output variables: BackupId, FileLocation${settings.fileLocationIsSecret ? ' (secret)' : ''}, FileLocationExpiresOn, BackupName, BackupFileName, BackupCreatedDateTime, BackupCount = ${selection.candidates.length}.`,
  );
  agent.succeed(`Newest backup: ${neutralize(chosen.name, 120)}`);
}
