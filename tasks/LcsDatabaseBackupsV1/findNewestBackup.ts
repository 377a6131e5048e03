/**
 * LcsDatabaseBackups@1: sign in with an LCS connection, list the project's database backups,
 * publish the newest as output variables. Sequencing only: the decisions are pure functions
 * (selection.ts, outcome.ts), the text is report.ts', the wiring is common/lcs/session.ts' and, for
 * the optional download, downloadBackup.ts'.
 */
import { randomUUID } from 'node:crypto';
import { isDownloadUrl, listDatabaseBackups, sasExpiry } from '../common/lcs/databaseAssets';
import { TaskHost } from '../common/platform/host';
import { publishOutputs } from '../common/platform/outputVariables';
import { openLcsSession } from '../common/lcs/session';
import { downloadIfAsked } from './downloadBackup';
import { Outcome, decideOutcome } from './outcome';
import { OUTPUTS } from './outputs';
import { logSelection, summaryMarkdown } from './report';
import { selectBackup } from '../common/backups/backupSelection';
import { readSettings } from './settings';

function attachSummary(host: TaskHost, markdown: string): void {
  try {
    host.attachSummary('LCS database backups', `lcs-database-backups-${randomUUID()}.md`, markdown);
  } catch (error) {
    // The summary is a convenience; the outputs are what later steps need.
    host.warn(`Could not write the summary tab: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
}

/** Logs the outcome and publishes its outputs, or throws its failure. */
function publish(host: TaskHost, outcome: Outcome): void {
  outcome.lines.forEach((line) => host.info(line));
  outcome.warnings.forEach((line) => host.warn(line));
  if (outcome.failure) {
    throw outcome.failure;
  }
  publishOutputs(host, OUTPUTS, outcome.outputs, outcome.outputsHow);
}

function conclude(host: TaskHost, outcome: Outcome): void {
  if (outcome.result.status === 'succeeded') {
    host.succeed(outcome.result.message);
  } else {
    host.succeedWithIssues(outcome.result.message);
  }
}

export async function findNewestBackup(host: TaskHost): Promise<void> {
  const settings = readSettings(host.inputs);
  const session = await openLcsSession(host, settings);
  const list = await listDatabaseBackups(session.client, settings.projectId);
  if (settings.fileLocationIsSecret) {
    // Every download URL is a credential; mask them all before anything could print one. A
    // placeholder such as "N/A" is not, and masking it would hide that text all over the log.
    host.setSecrets(new Set(list.assets.map((a) => a.fileLocation).filter(isDownloadUrl)));
  }
  const now = Date.now();
  const selection = selectBackup(list.assets, settings.criteria);
  logSelection(host, selection, settings.criteria, now);
  attachSummary(
    host,
    summaryMarkdown({
      projectId: settings.projectId,
      apiHost: new URL(settings.connection.apiUrl).host,
      selection,
      criteria: settings.criteria,
      now,
      fileLocationIsSecret: settings.fileLocationIsSecret,
      fileLocationExpiresOn: selection.chosen ? sasExpiry(selection.chosen.fileLocation) : undefined,
    }),
  );
  const outcome = decideOutcome(selection, settings, now);
  publish(host, outcome);
  await downloadIfAsked(host, session, settings, selection.chosen);
  conclude(host, outcome);
}
