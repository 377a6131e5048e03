/**
 * Choosing one backup by its Id (input backupId): the selection, the outcome and what the log
 * and the summary say about it.
 */
import { strict as assert } from 'node:assert';
import { DatabaseAsset, toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import { SelectionError } from '../../tasks/common/platform/errors';
import { FakeHost } from '../support/fakeHost';
import { OutcomeSettings, decideOutcome } from '../../tasks/LcsDatabaseBackupsV1/outcome';
import { chosenLine, logSelection, summaryMarkdown } from '../../tasks/LcsDatabaseBackupsV1/report';
import { SelectionCriteria, selectBackup, selectBackupById } from '../../tasks/common/backups/backupSelection';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const DAY = 86_400_000;
const OLD_ID = '0B9E6C4A-1111-4222-8333-944455556666';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

function backup(id: string, name: string, daysOld: number, fields: Record<string, unknown> = {}): DatabaseAsset {
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
const ASSETS = [
  backup('aaaaaaaa-0000-4000-8000-000000000001', 'UAT golden', 1),
  backup(OLD_ID.toLowerCase(), 'PROD before upgrade', 90),
  backup('aaaaaaaa-0000-4000-8000-000000000003', 'QA nightly', 2),
];

function criteria(overrides: Partial<SelectionCriteria> = {}): SelectionCriteria {
  return { namePatterns: ['UAT*'], fileNamePatterns: ['*.bacpac'], newestBy: 'modified', backupId: OLD_ID, ...overrides };
}

function settings(overrides: Partial<OutcomeSettings> = {}): OutcomeSettings {
  return { projectId: 1234567, criteria: criteria(), maxAgeDays: 7, failIfNoBackup: false, fileLocationIsSecret: true, ...overrides };
}

describe('backupId: choosing one backup by its Id', () => {
  describe('selection', () => {
    it('chooses the backup with that Id, compared case-insensitively; filters and newestBy do not apply', () => {
      const s = selectBackup(ASSETS, criteria());
      assert.equal(s.chosen?.id, OLD_ID.toLowerCase());
      assert.equal(s.chosen?.name, 'PROD before upgrade');
      assert.deepEqual(s.candidates.map((a) => a.id), [OLD_ID.toLowerCase()]);
      assert.equal(s.listedCount, 3);
    });

    it('without backupId, the same list and filters choose the newest match instead', () => {
      assert.equal(selectBackup(ASSETS, criteria({ backupId: undefined })).chosen?.name, 'UAT golden');
    });

    it('chooses nothing when the Id is not listed', () => {
      const s = selectBackupById(ASSETS, 'ffffffff-0000-4000-8000-000000000000');
      assert.equal(s.chosen, undefined);
      assert.deepEqual(s.candidates, []);
      assert.deepEqual(s.skipped, []);
    });

    it('sets a listed backup aside when it cannot be published (no download URL yet)', () => {
      const exporting = backup('bbbbbbbb-0000-4000-8000-000000000001', 'Export running', 0, { FileLocation: '' });
      const s = selectBackupById([...ASSETS, exporting], exporting.id.toUpperCase());
      assert.equal(s.chosen, undefined);
      assert.equal(s.skipped.length, 1);
      assert.match(s.skipped[0].reason, /FileLocation/);
    });

    it('does not need dates to choose by Id', () => {
      const undated = backup('cccccccc-0000-4000-8000-000000000001', 'Undated', 0, { CreatedDateTime: null, ModifiedDateTime: 'garbage' });
      assert.equal(selectBackupById([undated], undated.id).chosen?.name, 'Undated');
    });
  });

  describe('outcome', () => {
    it('publishes the chosen backup; maxAgeDays and the staleness warning do not apply', () => {
      const o = decideOutcome(selectBackup(ASSETS, criteria()), settings(), NOW);
      assert.equal(o.failure, undefined);
      assert.equal(o.outputs.BackupId, OLD_ID.toLowerCase());
      assert.equal(o.outputs.BackupName, 'PROD before upgrade');
      assert.equal(o.outputs.BackupCount, '1');
      assert.deepEqual(o.warnings, []);
      assert.deepEqual(o.result, { status: 'succeeded', message: 'Backup chosen by id: PROD before upgrade' });
    });

    it('fails naming the Id and the project when the Id is not listed, even with failIfNoBackup false', () => {
      const missing = 'ffffffff-0000-4000-8000-000000000000';
      const c = criteria({ backupId: missing });
      const o = decideOutcome(selectBackup(ASSETS, c), settings({ criteria: c, failIfNoBackup: false }), NOW);
      assert.ok(o.failure instanceof SelectionError);
      assert.match(o.failure.userMessage, new RegExp(`no database backup with Id ${missing}`));
      assert.match(o.failure.userMessage, /project 1234567 .*3 listed/);
      assert.match(o.failure.userMessage, /clear backupId/);
    });

    it('fails with the reason when the backup is listed but cannot be used', () => {
      const exporting = backup('bbbbbbbb-0000-4000-8000-000000000001', 'Export running', 0, { FileLocation: 'N/A' });
      const c = criteria({ backupId: exporting.id });
      const o = decideOutcome(selectBackup([exporting], c), settings({ criteria: c }), NOW);
      assert.ok(o.failure instanceof SelectionError);
      assert.match(o.failure.userMessage, /with Id bbbbbbbb-0000-4000-8000-000000000001 .*'Export running'.*cannot be used: its FileLocation/);
    });

    it('still warns when the chosen backup\'s download URL expires soon', () => {
      const soon = backup('dddddddd-0000-4000-8000-000000000001', 'Soon', 1, {
        FileLocation: `https://x.blob.core.windows.net/c/s?se=${encodeURIComponent(new Date(NOW + 30 * 60_000).toISOString())}&sig=secret`,
      });
      const c = criteria({ backupId: soon.id });
      const o = decideOutcome(selectBackup([soon], c), settings({ criteria: c }), NOW);
      assert.ok(o.warnings.some((w) => /expires in 30 min/.test(w)), JSON.stringify(o.warnings));
    });
  });

  describe('log and summary', () => {
    it('the chosen line says the Id chose it, not "the newest"', () => {
      const line = chosenLine(selectBackup(ASSETS, criteria()), criteria(), NOW);
      assert.match(line, /^Chosen: 'PROD before upgrade' \(PROD before upgrade\.bacpac\), id 0b9e6c4a-/);
      assert.match(line, /created 2026-08-31 12:00:00 UTC \(90\.0 d old\)/);
      assert.match(line, /the backup with the Id in backupId \(filters, newestBy and maxAgeDays do not apply\)/);
      assert.doesNotMatch(line, /the newest/i);
    });

    it('the Backups line names the Id and whether it was found', () => {
      for (const [id, expected] of [[OLD_ID, /chosen by backupId 0B9E6C4A-.*: found/], ['ffffffff-0000-4000-8000-000000000000', /: not listed/]] as const) {
        const host = new FakeHost({ inputs: {} });
        const c = criteria({ backupId: id });
        logSelection(host, selectBackup(ASSETS, c), c, NOW);
        assert.match(host.lines[0].text, /^Backups: {5}3 listed; chosen by backupId /);
        assert.match(host.lines[0].text, expected);
      }
    });

    it('the summary says "Chosen by id" and shows the one backup', () => {
      const md = summaryMarkdown({ projectId: 1234567, apiHost: 'lcsapi.lcs.dynamics.com', selection: selectBackup(ASSETS, criteria()), criteria: criteria(), now: NOW, fileLocationIsSecret: true });
      assert.match(md, /3 backups listed; backupId asks for 0B9E6C4A-1111-4222-8333-944455556666 \(filters, newestBy and maxAgeDays do not apply\)/);
      assert.match(md, /\*\*Chosen by id:\*\* PROD before upgrade \(PROD before upgrade\.bacpac\)/);
      assert.equal(md.split('\n').filter((l) => l.startsWith('| ✅ chosen |')).length, 1);
      assert.doesNotMatch(md, /UAT golden|QA nightly/);
    });

    it('the summary says so when the Id is not listed', () => {
      const c = criteria({ backupId: 'ffffffff-0000-4000-8000-000000000000' });
      const md = summaryMarkdown({ projectId: 1234567, apiHost: 'lcsapi.lcs.dynamics.com', selection: selectBackup(ASSETS, c), criteria: c, now: NOW, fileLocationIsSecret: true });
      assert.match(md, /\*\*No usable backup with Id ffffffff-0000-4000-8000-000000000000 is listed\.\*\*/);
      assert.doesNotMatch(md, /\| Name \|/);
    });
  });
});
