import { strict as assert } from 'node:assert';
import { DatabaseAsset, toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import { parseLcsTimestamp } from '../../tasks/common/text/time';
import { SelectionCriteria, parsePatterns, selectNewestBackup, selectBackup, selectBackupById, SKIPPED_KEPT } from '../../tasks/common/backups/backupSelection';
import { parseDatabaseListResponse } from '../support/lcsAnswers';
import { logSelection } from '../../tasks/LcsDatabaseBackupsV1/report';
import { VERSION_EOL_NONE } from '../emulator/emulator';
import { FakeHost } from '../support/fakeHost';
import * as backupId from '../support/backupIdFixtures';

interface RawAsset {
  Id?: unknown;
  Name?: unknown;
  FileName?: unknown;
  FileDescription?: unknown;
  FileLocation?: unknown;
  CreatedDateTime?: unknown;
  ModifiedDateTime?: unknown;
}

function asset(overrides: RawAsset): DatabaseAsset {
  return toDatabaseAsset({
    Id: 'id-1',
    Name: 'Backup',
    FileName: 'backup.bacpac',
    FileDescription: '',
    FileLocation: 'https://example.blob.core.windows.net/c/b?sig=x&se=2030-01-01T00%3A00%3A00Z',
    CreatedDateTime: '2026-01-01T00:00:00',
    ModifiedDateTime: '2026-01-01T00:00:00',
    ...overrides,
  });
}

function criteria(overrides: Partial<SelectionCriteria> = {}): SelectionCriteria {
  return { namePatterns: [], fileNamePatterns: [], newestBy: 'created', ...overrides };
}

function ids(assets: DatabaseAsset[]): string[] {
  return assets.map((a) => a.id);
}

describe('backupSelection', () => {
  describe('parsePatterns', () => {
    it('returns no patterns for empty or missing text', () => {
      assert.deepEqual(parsePatterns(undefined), []);
      assert.deepEqual(parsePatterns(''), []);
      assert.deepEqual(parsePatterns(' \n\r\n\t\n'), []);
    });

    it('splits LF and CRLF lines, trims them and drops blank lines', () => {
      assert.deepEqual(parsePatterns('UAT*\r\n\r\n  QA-?  \n\t*.bacpac\t\r\n'), ['UAT*', 'QA-?', '*.bacpac']);
    });

    it('keeps inner spaces', () => {
      assert.deepEqual(parsePatterns('  Golden copy *  '), ['Golden copy *']);
    });
  });

  describe('selectNewestBackup', () => {
    it('handles an empty list', () => {
      const s = selectNewestBackup([], criteria());
      assert.equal(s.listedCount, 0);
      assert.deepEqual(s.candidates, []);
      assert.deepEqual(s.skipped, []);
      assert.equal(s.chosen, undefined);
    });

    it('chooses the newest by CreatedDateTime and sorts candidates newest first', () => {
      const assets = [
        asset({ Id: 'b', CreatedDateTime: '2026-01-02T00:00:00' }),
        asset({ Id: 'c', CreatedDateTime: '2026-01-03T00:00:00' }),
        asset({ Id: 'a', CreatedDateTime: '2026-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria());
      assert.equal(s.listedCount, 3);
      assert.deepEqual(ids(s.candidates), ['c', 'b', 'a']);
      assert.equal(s.chosen?.id, 'c');
      assert.deepEqual(s.skipped, []);
    });

    it('compares instants, not strings (offsets and 7 digits)', () => {
      const assets = [
        asset({ Id: 'offset', CreatedDateTime: '2026-01-01T12:00:00+02:00' }), // 10:00 UTC
        asset({ Id: 'utc', CreatedDateTime: '2026-01-01T11:00:00' }),
        asset({ Id: 'ticks1', CreatedDateTime: '2026-01-01T10:30:00.0000001' }),
        asset({ Id: 'ticks2', CreatedDateTime: '2026-01-01T10:30:00.0000002' }),
      ];
      assert.deepEqual(ids(selectNewestBackup(assets, criteria()).candidates), ['utc', 'ticks2', 'ticks1', 'offset']);
    });

    it('chooses by ModifiedDateTime when asked', () => {
      const assets = [
        asset({ Id: 'newer-created', CreatedDateTime: '2026-01-05T00:00:00', ModifiedDateTime: '2026-01-05T00:00:00' }),
        asset({ Id: 'newer-modified', CreatedDateTime: '2026-01-01T00:00:00', ModifiedDateTime: '2026-01-09T00:00:00' }),
      ];
      assert.equal(selectNewestBackup(assets, criteria({ newestBy: 'created' })).chosen?.id, 'newer-created');
      assert.equal(selectNewestBackup(assets, criteria({ newestBy: 'modified' })).chosen?.id, 'newer-modified');
    });

    it('breaks a tie on the deciding timestamp with the other timestamp (newer wins)', () => {
      const assets = [
        asset({ Id: 'a', CreatedDateTime: '2026-01-01T00:00:00', ModifiedDateTime: '2026-01-02T00:00:00' }),
        asset({ Id: 'b', CreatedDateTime: '2026-01-01T00:00:00', ModifiedDateTime: '2026-01-03T00:00:00' }),
      ];
      assert.deepEqual(ids(selectNewestBackup(assets, criteria()).candidates), ['b', 'a']);
      const byModified = [
        asset({ Id: 'a', ModifiedDateTime: '2026-01-05T00:00:00', CreatedDateTime: '2026-01-02T00:00:00' }),
        asset({ Id: 'b', ModifiedDateTime: '2026-01-05T00:00:00', CreatedDateTime: '2026-01-01T00:00:00' }),
      ];
      assert.deepEqual(ids(selectNewestBackup(byModified, criteria({ newestBy: 'modified' })).candidates), ['a', 'b']);
    });

    it('counts a missing or invalid other timestamp as the oldest in a tie', () => {
      const assets = [
        asset({ Id: 'a', ModifiedDateTime: undefined }),
        asset({ Id: 'b', ModifiedDateTime: 'not a date' }),
        asset({ Id: 'c', ModifiedDateTime: '2020-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria());
      assert.equal(s.chosen?.id, 'c');
      assert.deepEqual(ids(s.candidates), ['c', 'a', 'b']);
      assert.deepEqual(s.skipped, []);
    });

    it('breaks a full tie by Id ascending, case-insensitively, whatever the input order', () => {
      const make = () => [asset({ Id: 'b-2' }), asset({ Id: 'A-3' }), asset({ Id: 'a-1' }), asset({ Id: 'B-1' })];
      const forward = selectNewestBackup(make(), criteria());
      assert.deepEqual(ids(forward.candidates), ['a-1', 'A-3', 'B-1', 'b-2']);
      const backward = selectNewestBackup(make().reverse(), criteria());
      assert.deepEqual(ids(backward.candidates), ['a-1', 'A-3', 'B-1', 'b-2']);
      assert.equal(forward.chosen?.id, 'a-1');
    });

    it('skips entries whose deciding timestamp is missing, with a reason, and does not rank them', () => {
      const assets = [
        asset({ Id: 'missing', CreatedDateTime: undefined, ModifiedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'null', CreatedDateTime: null, ModifiedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'ok', CreatedDateTime: '2020-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria());
      assert.deepEqual(ids(s.candidates), ['ok']);
      assert.equal(s.chosen?.id, 'ok');
      assert.deepEqual(
        s.skipped.map((k) => k.asset.id),
        ['missing', 'null'],
      );
      for (const k of s.skipped) {
        assert.match(k.reason, /CreatedDateTime is missing/);
      }
    });

    it('skips entries whose deciding timestamp is not a valid date', () => {
      const assets = [
        asset({ Id: 'bad', ModifiedDateTime: '2026-02-30T00:00:00' }),
        asset({ Id: 'num', ModifiedDateTime: 12345 }),
        asset({ Id: 'ok', ModifiedDateTime: '2020-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria({ newestBy: 'modified' }));
      assert.deepEqual(ids(s.candidates), ['ok']);
      assert.deepEqual(
        s.skipped.map((k) => k.asset.id),
        ['bad', 'num'],
      );
      for (const k of s.skipped) {
        assert.match(k.reason, /ModifiedDateTime is not a valid date/);
      }
    });

    it('only judges the deciding timestamp: an invalid other timestamp does not skip', () => {
      const s = selectNewestBackup([asset({ Id: 'x', ModifiedDateTime: 'garbage' })], criteria({ newestBy: 'created' }));
      assert.equal(s.chosen?.id, 'x');
      assert.deepEqual(s.skipped, []);
    });

    it('skips entries without an Id or FileLocation', () => {
      const assets = [
        asset({ Id: '', Name: 'no id', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: '   ', Name: 'blank id', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'no-location', FileLocation: '', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'null-location', FileLocation: null, CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'ok', CreatedDateTime: '2020-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria());
      assert.deepEqual(ids(s.candidates), ['ok']);
      assert.equal(s.chosen?.id, 'ok');
      assert.equal(s.skipped.length, 4);
      assert.match(s.skipped[0].reason, /no Id/);
      assert.match(s.skipped[1].reason, /no Id/);
      assert.match(s.skipped[2].reason, /no FileLocation/);
      assert.match(s.skipped[3].reason, /no FileLocation/);
    });

    it('skips entries whose Id is not a GUID or whose FileLocation is not an https URL', () => {
      const assets = [
        asset({ Id: 'x ##vso[task.setvariable variable=Injected]owned', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'a/b?c', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'placeholder', FileLocation: 'N/A', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'plain-http', FileLocation: 'http://example.blob.core.windows.net/c/b?sig=x', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: '7C9E6679-7425-40DE-944B-E07FC1F90AE7', CreatedDateTime: '2020-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria());
      assert.equal(s.chosen?.id, '7C9E6679-7425-40DE-944B-E07FC1F90AE7');
      assert.deepEqual(
        s.skipped.map((k) => k.reason),
        [
          'its Id is not a safe token (letters, digits and dashes, as in a GUID)',
          'its Id is not a safe token (letters, digits and dashes, as in a GUID)',
          'its FileLocation is not an https:// download URL (one line, exactly in canonical URL form)',
          'its FileLocation is not an https:// download URL (one line, exactly in canonical URL form)',
        ],
      );
    });

    it('treats a year before 1900 (.NET DateTime.MinValue) as no date', () => {
      assert.equal(parseLcsTimestamp('0001-01-01T00:00:00'), undefined);
      assert.equal(parseLcsTimestamp('0099-06-01T00:00:00'), undefined);
      assert.ok(parseLcsTimestamp('1900-01-01T00:00:00'));
    });

    it('has no choice when every matching entry is skipped', () => {
      const s = selectNewestBackup([asset({ CreatedDateTime: 'x' }), asset({ Id: '' })], criteria());
      assert.equal(s.chosen, undefined);
      assert.deepEqual(s.candidates, []);
      assert.equal(s.skipped.length, 2);
      assert.equal(s.listedCount, 2);
    });

    it('filters on Name', () => {
      const assets = [
        asset({ Id: 'uat', Name: 'UAT-copy', CreatedDateTime: '2026-01-01T00:00:00' }),
        asset({ Id: 'prod', Name: 'PROD-copy', CreatedDateTime: '2026-01-09T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria({ namePatterns: ['uat*'] }));
      assert.deepEqual(ids(s.candidates), ['uat']);
      assert.equal(s.listedCount, 2);
    });

    it('filters on FileName', () => {
      const assets = [
        asset({ Id: 'bacpac', FileName: 'db.bacpac', CreatedDateTime: '2026-01-01T00:00:00' }),
        asset({ Id: 'bak', FileName: 'db.bak', CreatedDateTime: '2026-01-09T00:00:00' }),
      ];
      assert.deepEqual(ids(selectNewestBackup(assets, criteria({ fileNamePatterns: ['*.BACPAC'] })).candidates), ['bacpac']);
    });

    it('requires both the Name and the FileName filter to match', () => {
      const assets = [
        asset({ Id: 'both', Name: 'UAT-1', FileName: 'uat.bacpac' }),
        asset({ Id: 'name-only', Name: 'UAT-2', FileName: 'uat.bak' }),
        asset({ Id: 'file-only', Name: 'PROD', FileName: 'prod.bacpac' }),
        asset({ Id: 'neither', Name: 'PROD', FileName: 'prod.bak' }),
      ];
      const s = selectNewestBackup(assets, criteria({ namePatterns: ['UAT*'], fileNamePatterns: ['*.bacpac'] }));
      assert.deepEqual(ids(s.candidates), ['both']);
    });

    it('any of several patterns may match', () => {
      const assets = [asset({ Id: 'uat', Name: 'UAT' }), asset({ Id: 'qa', Name: 'QA' }), asset({ Id: 'prod', Name: 'PROD' })];
      assert.deepEqual(ids(selectNewestBackup(assets, criteria({ namePatterns: ['uat', 'qa'] })).candidates).sort(), ['qa', 'uat']);
    });

    it('neither ranks nor skips entries that do not match the filters', () => {
      const assets = [
        asset({ Id: '', Name: 'PROD no id' }),
        asset({ Id: 'prod-bad-date', Name: 'PROD', CreatedDateTime: 'nope' }),
        asset({ Id: 'prod-newest', Name: 'PROD', CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'uat', Name: 'UAT', CreatedDateTime: '2020-01-01T00:00:00' }),
        asset({ Id: 'uat-no-location', Name: 'UAT 2', FileLocation: '' }),
      ];
      const s = selectNewestBackup(assets, criteria({ namePatterns: ['UAT*'] }));
      assert.deepEqual(ids(s.candidates), ['uat']);
      assert.deepEqual(
        s.skipped.map((k) => k.asset.id),
        ['uat-no-location'],
      );
      assert.equal(s.listedCount, 5);
    });

    it('does not reorder the input array', () => {
      const assets = [asset({ Id: 'old', CreatedDateTime: '2020-01-01T00:00:00' }), asset({ Id: 'new', CreatedDateTime: '2030-01-01T00:00:00' })];
      selectNewestBackup(assets, criteria());
      assert.deepEqual(ids(assets), ['old', 'new']);
    });

    describe('a FileLocation that is not a download URL', () => {
      const SAS =
        'https://uswedpl1catalog.blob.core.windows.net/product-ax7productname/6d3f/AX7ProductName-12-17-a1b2?sv=2015-12-11&sr=b&sig=rO3z%2FV%2Bk%3D&se=2019-09-28T15%3A18%3A05Z&sp=r';

      it('skips such a backup as "not a download URL", and the others stay eligible', () => {
        const assets = [
          asset({ Id: 'evil', FileLocation: `${SAS}\n##vso[task.setvariable variable=Injected]owned`, CreatedDateTime: '2030-01-01T00:00:00' }),
          asset({ Id: 'fragment', FileLocation: `${SAS}##vso[task.prependpath]/tmp`, CreatedDateTime: '2029-01-01T00:00:00' }),
          asset({ Id: 'good', FileLocation: SAS, CreatedDateTime: '2020-01-01T00:00:00' }),
        ];
        const s = selectNewestBackup(assets, criteria());
        assert.equal(s.chosen?.id, 'good');
        assert.deepEqual(
          s.skipped.map((k) => k.asset.id),
          ['evil', 'fragment'],
        );
        for (const k of s.skipped) assert.match(k.reason, /FileLocation is not an https:\/\/ download URL/);
      });
    });
  });
});

describe('backupSelection: backupId', () => {
  const { OLD_ID, backup, ASSETS, criteria } = backupId;

  describe('selection', () => {
    it('chooses the backup with that Id, compared case-insensitively; filters and newestBy do not apply', () => {
      const s = selectBackup(ASSETS, criteria());
      assert.equal(s.chosen?.id, OLD_ID.toLowerCase());
      assert.equal(s.chosen?.name, 'PROD before upgrade');
      assert.deepEqual(
        s.candidates.map((a) => a.id),
        [OLD_ID.toLowerCase()],
      );
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
});

describe('backupSelection: the bound on skipped entries kept', () => {
  function envelope(assetsJson: string): string {
    return `{"DatabaseAssets":${assetsJson},"IsSuccess":true,"OperationActivityId":"x","ErrorMessage":null,"VersionEOL":"${VERSION_EOL_NONE}"}`;
  }

  describe('skipped entries', () => {
    it(`keeps the first ${SKIPPED_KEPT} to be named and counts the rest`, () => {
      const list = parseDatabaseListResponse(envelope(`[${'null,'.repeat(9_999)}null]`), 'application/json');
      const selection = selectNewestBackup(list.assets, { namePatterns: [], fileNamePatterns: [], newestBy: 'created' });
      assert.equal(selection.skipped.length, SKIPPED_KEPT);
      assert.equal(selection.skippedCount, 10_000);
      const host = new FakeHost({ inputs: {} });
      logSelection(host, selection, { namePatterns: [], fileNamePatterns: [], newestBy: 'created' }, Date.now());
      assert.equal(host.lines.filter((l) => l.kind === 'warn').length, 5 + 1);
      assert.ok(host.lines.length < 100, `${host.lines.length} log lines`);
      assert.ok(
        host.lines.some(
          (l) => l.text === `Skipped 9995 more matching backups for the same kinds of reasons (debug output lists the next ${SKIPPED_KEPT - 5}).`,
        ),
        host.text(),
      );
    });
  });
});
