import { strict as assert } from 'node:assert';
import { parseBackupName, readSettings as readExportSettings } from '../../../tasks/LcsDatabaseExportV1/settings';
import { source, assertInputError } from '../../support/inputSource';

const ENV = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';

describe('LcsDatabaseExport@1 settings', () => {
  it('backupName: one URL segment of at most 100 characters', () => {
    assert.equal(parseBackupName('  UAT 2026-11-29  '), 'UAT 2026-11-29');
    assertInputError(() => parseBackupName(''), /empty/);
    assertInputError(() => parseBackupName('a/b'), /cannot hold a \/ or \\/);
    assertInputError(() => parseBackupName('a\\b'), /cannot hold/);
    assertInputError(() => parseBackupName('a\u0007b'), /control character/);
    assertInputError(() => parseBackupName('..'), /only dots/);
    assertInputError(() => parseBackupName('x'.repeat(101)), /101 characters/);
    assert.equal(parseBackupName('x'.repeat(100)).length, 100);
  });

  it('export: environmentId must be a GUID, checked before the connection', () => {
    assertInputError(() => readExportSettings(source({ environmentId: 'uat', backupName: 'b' })), /'environmentId' must be .* a GUID/);
    const settings = readExportSettings(source({ environmentId: ENV.toUpperCase(), backupName: 'b' }));
    assert.equal(settings.environmentId, ENV.toUpperCase(), 'sent as the user gave it');
    const undashed = ENV.replace(/-/g, '');
    assert.equal(readExportSettings(source({ environmentId: ` ${undashed} `, backupName: 'b' })).environmentId, undashed);
    assertInputError(
      () => readExportSettings(source({ environmentId: `${undashed}0`, backupName: 'b' })),
      /'environmentId' must be .* a GUID .* without dashes/,
    );
    assert.equal(settings.waitForCompletion, true);
    assert.equal(settings.timeoutMs, 360 * 60_000);
    assert.equal(settings.fileLocationIsSecret, true);
  });
});
