import { strict as assert } from 'node:assert';
import { decideChoice } from '../../tasks/common/backups/backupChoice';
import { selectBackup } from '../../tasks/common/backups/backupSelection';
import { toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';

describe('backupChoice', () => {
  it('no warning that the download URL expires soon when the task renews it itself', () => {
    const soon = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const asset = toDatabaseAsset({
      Id: 'abc',
      Name: 'n',
      FileName: 'f.bacpac',
      FileLocation: `https://a.blob.core.windows.net/c/f.bacpac?se=${encodeURIComponent(soon)}&sig=x`,
      CreatedDateTime: new Date().toISOString(),
    });
    const selection = selectBackup([asset], { namePatterns: [], fileNamePatterns: [], newestBy: 'created' });
    const settings = { projectId: 1, criteria: { namePatterns: [], fileNamePatterns: [], newestBy: 'created' as const }, failIfNoBackup: true };
    assert.equal(decideChoice(selection, settings, Date.now()).warnings.length, 1, 'the backups task warns');
    assert.deepEqual(decideChoice(selection, { ...settings, warnOfExpiry: false }, Date.now()).warnings, []);
  });
});
