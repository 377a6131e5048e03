/**
 * What a person reads of LcsDatabaseBackups@1 beyond the shared selection lines
 * (common/backups/backupSelectionReport.ts): the pipeline summary tab. Pure string building; untrusted
 * text goes through escapeMarkdown.
 */
import { escapeMarkdown } from '../common/text/sanitize';
import { isoSeconds } from '../common/text/time';
import { Selection, SelectionCriteria, fieldName, instantFor } from '../common/backups/backupSelection';
import { TABLE_ROWS, describeFilters, formatAge, shortTime } from '../common/backups/backupSelectionReport';

export {
  SKIP_WARNINGS,
  TABLE_ROWS,
  backupTable,
  chosenLine,
  describeFilters,
  formatAge,
  logSelection,
  shortTime,
} from '../common/backups/backupSelectionReport';

export interface SummaryContext {
  projectId: number;
  apiHost: string;
  selection: Selection;
  criteria: SelectionCriteria;
  now: number;
  fileLocationIsSecret: boolean;
  fileLocationExpiresOn?: Date;
}

/** The summary's first lines: what was listed and what was chosen, by which rule. */
function summaryHeading(ctx: SummaryContext): string[] {
  const { selection, criteria } = ctx;
  const chosen = selection.chosen;
  const where = `**Project** ${ctx.projectId} on ${escapeMarkdown(ctx.apiHost)}: ${selection.listedCount} backups listed`;
  if (criteria.backupId) {
    const id = escapeMarkdown(criteria.backupId);
    return [
      `${where}; backupId asks for ${id} (filters, newestBy and maxAgeDays do not apply).`,
      '',
      chosen
        ? `**Chosen by id:** ${escapeMarkdown(chosen.name)} (${escapeMarkdown(chosen.fileName)}), the backup with Id ${id}.`
        : `**No usable backup with Id ${id} is listed.**`,
      '',
    ];
  }
  return [
    `${where}, ${selection.candidates.length} matched (${escapeMarkdown(describeFilters(criteria))}).`,
    '',
    chosen
      ? `**Chosen:** ${escapeMarkdown(chosen.name)} (${escapeMarkdown(chosen.fileName)}), the newest by ${fieldName(criteria.newestBy)}.`
      : '**No backup matched the filters.**',
    '',
  ];
}

/**
 * How to read the outputs. Macro syntax appears only where the agent expands it into a
 * variable or an environment variable: pasted into script text, a backup name would run as code.
 */
function readTheOutputs(fileLocationIsSecret: boolean): string[] {
  return [
    '**Read the outputs** (give the step a `name:`, e.g. `lcs`; in a classic release, the reference name under *Output variables*):',
    '',
    '| Where | How |',
    '|---|---|',
    '| a script in the same job | map it in the step\'s `env:` (`BACKUP_ID: $(lcs.BackupId)`), then read `$env:BACKUP_ID` (PowerShell) or `"$BACKUP_ID"` (bash) |',
    "| another job | `variables:` `backupId: $[ dependencies.<job>.outputs['lcs.BackupId'] ]`, then `env:` as above |",
    "| another stage | `variables:` `backupId: $[ stageDependencies.<stage>.<job>.outputs['lcs.BackupId'] ]`, then `env:` as above |",
    '',
    'Pass outputs to scripts and `arguments:` only through `env:`: `$(...)` written in script text is pasted in before the script runs, so a backup name could run commands.',
    '',
    fileLocationIsSecret
      ? '`FileLocation` is a secret variable: a script sees it only when mapped (`env:` `BACKUP_URL: $(lcs.FileLocation)`).'
      : '`FileLocation` is published as a plain variable (fileLocationIsSecret: false).',
  ];
}

/** The Markdown of the pipeline's summary tab. */
export function summaryMarkdown(ctx: SummaryContext): string {
  const { selection, criteria, now } = ctx;
  const lines: string[] = summaryHeading(ctx);
  if (selection.candidates.length) {
    lines.push('| | Name | File name | Created (UTC) | Modified (UTC) | Age |', '|---|---|---|---|---|---|');
    selection.candidates.slice(0, TABLE_ROWS).forEach((a, i) => {
      lines.push(
        `| ${i === 0 ? '✅ chosen' : ''} | ${escapeMarkdown(a.name)} | ${escapeMarkdown(a.fileName)} | ${shortTime(a.created)} | ${shortTime(a.modified)} | ${formatAge(instantFor(a, criteria.newestBy), now)} |`,
      );
    });
    if (selection.candidates.length > TABLE_ROWS) {
      lines.push('', `…and ${selection.candidates.length - TABLE_ROWS} older matching backups.`);
    }
    lines.push('');
  }
  const unusable = criteria.backupId ? selection.skipped[0] : undefined;
  if (unusable) {
    lines.push(`The backup with this Id is listed but cannot be used: ${escapeMarkdown(unusable.reason)}.`, '');
  } else if (selection.skippedCount) {
    lines.push(`${selection.skippedCount} matching backups were skipped (no usable id, download URL or ${fieldName(criteria.newestBy)}); see the log.`, '');
  }
  if (ctx.fileLocationExpiresOn) {
    lines.push(`The download URL (FileLocation) expires on ${isoSeconds(ctx.fileLocationExpiresOn)}.`, '');
  }
  lines.push(...readTheOutputs(ctx.fileLocationIsSecret));
  return `${lines.join('\n')}\n`;
}
