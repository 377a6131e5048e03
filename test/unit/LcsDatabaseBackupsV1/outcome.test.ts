import { strict as assert } from 'node:assert';
import { SelectionError } from '../../../tasks/common/platform/errors';
import { decideOutcome } from '../../../tasks/LcsDatabaseBackupsV1/outcome';
import { selectBackup } from '../../../tasks/common/backups/backupSelection';
import { NOW, OLD_ID, backup, ASSETS, criteria, settings } from '../../support/backupIdFixtures';

describe('outcome: backupId', () => {
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

    it("still warns when the chosen backup's download URL expires soon", () => {
      const soon = backup('dddddddd-0000-4000-8000-000000000001', 'Soon', 1, {
        FileLocation: `https://x.blob.core.windows.net/c/s?se=${encodeURIComponent(new Date(NOW + 30 * 60_000).toISOString())}&sig=secret`,
      });
      const c = criteria({ backupId: soon.id });
      const o = decideOutcome(selectBackup([soon], c), settings({ criteria: c }), NOW);
      assert.ok(
        o.warnings.some((w) => /expires in 30 min/.test(w)),
        JSON.stringify(o.warnings),
      );
    });
  });
});
