/**
 * Choosing one backup by its Id (input backupId): three listed backups, the one asked for an old
 * PROD backup that the name filters would exclude. Shared by the selection, outcome and report tests.
 */
import { DatabaseAsset, toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import type { SelectionCriteria } from '../../tasks/common/backups/backupSelection';
import type { OutcomeSettings } from '../../tasks/LcsDatabaseBackupsV1/outcome';

export const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
export const DAY = 86_400_000;
export const OLD_ID = '0B9E6C4A-1111-4222-8333-944455556666';

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

export function backup(id: string, name: string, daysOld: number, fields: Record<string, unknown> = {}): DatabaseAsset {
  return toDatabaseAsset({
    Id: id,
    Name: name,
    FileName: `${name}.bacpac`,
    FileLocation: `https://x.blob.core.windows.net/c/${encodeURIComponent(name)}?sv=2024&se=2026-12-01T00%3A00%3A00Z&sig=secret`,
    CreatedDateTime: iso(NOW - daysOld * DAY),
    ModifiedDateTime: iso(NOW - daysOld * DAY),
    ...fields,
  });
}

/** The newest is UAT; the one asked for is an old PROD backup that the filters would exclude. */
export const ASSETS = [
  backup('aaaaaaaa-0000-4000-8000-000000000001', 'UAT golden', 1),
  backup(OLD_ID.toLowerCase(), 'PROD before upgrade', 90),
  backup('aaaaaaaa-0000-4000-8000-000000000003', 'QA nightly', 2),
];

export function criteria(overrides: Partial<SelectionCriteria> = {}): SelectionCriteria {
  return { namePatterns: ['UAT*'], fileNamePatterns: ['*.bacpac'], newestBy: 'modified', backupId: OLD_ID, ...overrides };
}

export function settings(overrides: Partial<OutcomeSettings> = {}): OutcomeSettings {
  return { projectId: 1234567, criteria: criteria(), maxAgeDays: 7, failIfNoBackup: false, fileLocationIsSecret: true, ...overrides };
}
