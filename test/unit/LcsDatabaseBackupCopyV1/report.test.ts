import { strict as assert } from 'node:assert';
import { toDatabaseAsset } from '../../../tasks/common/lcs/databaseAssets';
import { copyMetadata } from '../../../tasks/LcsDatabaseBackupCopyV1/report';

describe('LcsDatabaseBackupCopy@1 report', () => {
  it('metadata names the project, backup id, name and created date, in ASCII', () => {
    const m = copyMetadata(
      1234567,
      toDatabaseAsset({ Id: 'abc', Name: 'UAT – golden\r\n', FileName: 'g.bacpac', CreatedDateTime: '2026-11-28T03:12:45.123Z' }),
    );
    assert.equal(m.lcsprojectid, '1234567');
    assert.equal(m.lcsbackupid, 'abc');
    assert.equal(decodeURIComponent(m.lcsbackupname), 'UAT – golden\r\n');
    assert.match(Object.values(m).join(''), /^[\x21-\x7e]*$/);
    assert.equal(m.lcsbackupcreated, '2026-11-28T03:12:45.123Z');
  });
});
