/**
 * What a person reads: the log's backup table, the chosen-backup line and the pipeline
 * summary tab. Pure string building; untrusted text goes through neutralize/escapeMarkdown.
 */
import { DatabaseAsset } from '../common/databaseAssets';
import { TaskHost } from '../common/host';
import { escapeMarkdown, neutralize } from '../common/sanitize';
import { LcsInstant, ageInDays, isoSeconds } from '../common/time';
import { NewestBy, Selection, SelectionCriteria, SkippedAsset, fieldName, instantFor } from './selection';

export const TABLE_ROWS = 20;
/** How many skipped backups get a warning line each before the rest are summed up. */
export const SKIP_WARNINGS = 5;

/** `2026-11-28 03:12:45`, or `-` when missing. */
export function shortTime(instant: LcsInstant | undefined): string {
  return instant ? new Date(instant.epochMs).toISOString().slice(0, 19).replace('T', ' ') : '-';
}

/** A compact age: `45 min`, `5.2 h`, `3.1 d`. */
export function formatAge(instant: LcsInstant | undefined, now: number): string {
  if (!instant) {
    return '-';
  }
  const days = ageInDays(instant, now);
  if (days < 0) {
    return 'dated in the future';
  }
  const minutes = days * 1440;
  if (minutes < 60) {
    return `${Math.max(0, Math.round(minutes))} min`;
  }
  if (minutes < 48 * 60) {
    return `${(minutes / 60).toFixed(1)} h`;
  }
  return `${days.toFixed(1)} d`;
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The log's table of the newest matching backups, newest first, at most 20 rows. */
export function backupTable(candidates: DatabaseAsset[], now: number, by: NewestBy): string[] {
  const rows = candidates.slice(0, TABLE_ROWS);
  const nameWidth = Math.min(40, Math.max(4, ...rows.map((a) => neutralize(a.name).length)));
  const fileWidth = Math.min(40, Math.max(9, ...rows.map((a) => neutralize(a.fileName).length)));
  const header = `   ${fit('Name', nameWidth)}  ${fit('File name', fileWidth)}  ${fit('Created (UTC)', 19)}  ${fit('Modified (UTC)', 19)}  Age`;
  const lines = [header];
  rows.forEach((asset, index) => {
    const marker = index === 0 ? '>' : ' ';
    lines.push(
      ` ${marker} ${fit(neutralize(asset.name), nameWidth)}  ${fit(neutralize(asset.fileName), fileWidth)}  ${fit(shortTime(asset.created), 19)}  ${fit(shortTime(asset.modified), 19)}  ${formatAge(instantFor(asset, by), now)}`,
    );
  });
  if (candidates.length > rows.length) {
    lines.push(`   … and ${candidates.length - rows.length} older matching backups.`);
  }
  return lines;
}

/** How the filters read in a sentence: `name matches UAT* or QA*; file name matches *.bacpac`. */
export function describeFilters(criteria: SelectionCriteria): string {
  const parts: string[] = [];
  if (criteria.namePatterns.length) {
    parts.push(`name matches ${criteria.namePatterns.map((p) => neutralize(p, 80)).join(' or ')}`);
  }
  if (criteria.fileNamePatterns.length) {
    parts.push(`file name matches ${criteria.fileNamePatterns.map((p) => neutralize(p, 80)).join(' or ')}`);
  }
  return parts.length ? parts.join('; ') : 'no filters';
}

/** One line: which backup was chosen and by which rule. */
export function chosenLine(selection: Selection, criteria: SelectionCriteria, now: number): string {
  const chosen = selection.chosen!;
  const head = `Chosen: '${neutralize(chosen.name)}' (${neutralize(chosen.fileName)}), id ${neutralize(chosen.id, 60)}`;
  if (criteria.backupId) {
    const created = chosen.created ? `, created ${shortTime(chosen.created)} UTC (${formatAge(chosen.created, now)} old)` : '';
    return `${head}${created}: the backup with the Id in backupId (filters, newestBy and maxAgeDays do not apply).`;
  }
  const instant = instantFor(chosen, criteria.newestBy)!;
  const of = selection.candidates.length === 1 ? 'the only matching backup' : `the newest by ${fieldName(criteria.newestBy)} of ${selection.candidates.length} matching backups`;
  const age = ageInDays(instant, now) < 0 ? 'dated in the future: check the agent\'s clock' : `${formatAge(instant, now)} ago`;
  return `${head}, ${criteria.newestBy} ${shortTime(instant)} UTC (${age}): ${of}.`;
}

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
      chosen ? `**Chosen by id:** ${escapeMarkdown(chosen.name)} (${escapeMarkdown(chosen.fileName)}), the backup with Id ${id}.` : `**No usable backup with Id ${id} is listed.**`,
      '',
    ];
  }
  return [
    `${where}, ${selection.candidates.length} matched (${escapeMarkdown(describeFilters(criteria))}).`,
    '',
    chosen ? `**Chosen:** ${escapeMarkdown(chosen.name)} (${escapeMarkdown(chosen.fileName)}), the newest by ${fieldName(criteria.newestBy)}.` : '**No backup matched the filters.**',
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
    '| another job | `variables:` `backupId: $[ dependencies.<job>.outputs[\'lcs.BackupId\'] ]`, then `env:` as above |',
    '| another stage | `variables:` `backupId: $[ stageDependencies.<stage>.<job>.outputs[\'lcs.BackupId\'] ]`, then `env:` as above |',
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
  if (criteria.backupId && selection.skipped.length) {
    lines.push(`The backup with this Id is listed but cannot be used: ${escapeMarkdown(selection.skipped[0].reason)}.`, '');
  } else if (selection.skippedCount) {
    lines.push(`${selection.skippedCount} matching backups were skipped (no usable id, download URL or ${fieldName(criteria.newestBy)}); see the log.`, '');
  }
  if (ctx.fileLocationExpiresOn) {
    lines.push(`The download URL (FileLocation) expires on ${isoSeconds(ctx.fileLocationExpiresOn)}.`, '');
  }
  lines.push(...readTheOutputs(ctx.fileLocationIsSecret));
  return `${lines.join('\n')}\n`;
}

function warnAboutSkipped(host: TaskHost, skipped: SkippedAsset[], count: number): void {
  for (const { asset, reason } of skipped.slice(0, SKIP_WARNINGS)) {
    host.warn(`Skipped backup '${neutralize(asset.name, 120)}' (id ${neutralize(asset.id || '?', 60)}): ${reason}.`);
  }
  if (count > SKIP_WARNINGS) {
    const listed = skipped.length < count ? `debug output lists the next ${skipped.length - SKIP_WARNINGS}` : 'debug output lists them';
    host.warn(`Skipped ${count - SKIP_WARNINGS} more matching backups for the same kinds of reasons (${listed}).`);
    for (const { asset, reason } of skipped.slice(SKIP_WARNINGS)) {
      host.debug(`Skipped '${neutralize(asset.name, 120)}' (id ${neutralize(asset.id || '?', 60)}): ${reason}.`);
    }
  }
}

/** The log's account of a selection: counts and filters, skipped backups, the table. */
export function logSelection(host: TaskHost, selection: Selection, criteria: SelectionCriteria, now: number): void {
  host.info(
    criteria.backupId
      ? `Backups:     ${selection.listedCount} listed; chosen by backupId ${neutralize(criteria.backupId, 60)}: ${selection.chosen ? 'found' : selection.skipped.length ? 'listed, but not usable' : 'not listed'} (filters, newestBy and maxAgeDays do not apply).`
      : `Backups:     ${selection.listedCount} listed, ${selection.candidates.length} matched (${describeFilters(criteria)}), newest by ${fieldName(criteria.newestBy)}.`,
  );
  warnAboutSkipped(host, selection.skipped, selection.skippedCount);
  if (selection.candidates.length) {
    host.info('');
    backupTable(selection.candidates, now, criteria.newestBy).forEach((line) => host.info(line));
    host.info('');
  }
}
