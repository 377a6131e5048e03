/**
 * The log's account of which backup was chosen (LcsDatabaseBackups@1 and LcsDatabaseBackupCopy@1
 * share it): the table of matching backups, the chosen-backup line, the skipped backups. Pure
 * string building; untrusted text goes through neutralize.
 */
import { DatabaseAsset } from '../lcs/databaseAssets';
import { TaskHost } from '../platform/host';
import { neutralize } from '../text/sanitize';
import { LcsInstant, ageInDays } from '../text/time';
import { NewestBy, Selection, SelectionCriteria, SkippedAsset, decidingInstant, fieldName, instantFor } from './backupSelection';

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
  const { chosen } = selection;
  if (!chosen) {
    throw new Error('chosenLine was called for a selection that chose no backup');
  }
  const head = `Chosen: '${neutralize(chosen.name)}' (${neutralize(chosen.fileName)}), id ${neutralize(chosen.id, 60)}`;
  if (criteria.backupId) {
    const created = chosen.created ? `, created ${shortTime(chosen.created)} UTC (${formatAge(chosen.created, now)} old)` : '';
    return `${head}${created}: the backup with the Id in backupId (filters, newestBy and maxAgeDays do not apply).`;
  }
  const instant = decidingInstant(chosen, criteria.newestBy);
  const of =
    selection.candidates.length === 1
      ? 'the only matching backup'
      : `the newest by ${fieldName(criteria.newestBy)} of ${selection.candidates.length} matching backups`;
  const age = ageInDays(instant, now) < 0 ? "dated in the future: check the agent's clock" : `${formatAge(instant, now)} ago`;
  return `${head}, ${criteria.newestBy} ${shortTime(instant)} UTC (${age}): ${of}.`;
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
