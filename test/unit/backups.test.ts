import { strict as assert } from 'node:assert';
import { DatabaseAsset, backupOutputValues, isDownloadUrl, sasExpiry, toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import { LcsInstant, compareInstants, formatInstant, parseLcsTimestamp } from '../../tasks/common/text/time';
import { SelectionCriteria, parsePatterns, selectNewestBackup } from '../../tasks/common/backups/backupSelection';
import { compileWildcards } from '../../tasks/common/backups/wildcards';

function instant(raw: string): LcsInstant {
  const parsed = parseLcsTimestamp(raw);
  assert.ok(parsed, `expected '${raw}' to parse`);
  return parsed;
}

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

describe('backups', () => {
  describe('parseLcsTimestamp', () => {
    it('reads a timestamp without an offset as UTC', () => {
      const t = instant('2019-09-27T15:17:35.867');
      assert.equal(t.epochMs, Date.UTC(2019, 8, 27, 15, 17, 35, 867));
      assert.equal(t.subMsTicks, 0);
    });

    it('reads whole seconds without a fraction', () => {
      assert.equal(instant('2026-03-04T05:06:07').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
    });

    it('honours Z (upper and lower case)', () => {
      assert.equal(instant('2026-03-04T05:06:07Z').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
      assert.equal(instant('2026-03-04T05:06:07z').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
    });

    it('honours a positive offset with a colon', () => {
      assert.equal(instant('2026-03-04T05:06:07+02:00').epochMs, Date.UTC(2026, 2, 4, 3, 6, 7));
    });

    it('honours a negative offset without a colon', () => {
      assert.equal(instant('2026-03-04T05:06:07-0530').epochMs, Date.UTC(2026, 2, 4, 10, 36, 7));
    });

    it('crosses the date line with an offset', () => {
      assert.equal(instant('2026-01-01T01:00:00+03:00').epochMs, Date.UTC(2025, 11, 31, 22, 0, 0));
    });

    it('gives the same instant for equivalent notations', () => {
      const a = instant('2026-03-04T05:06:07.5');
      const b = instant('2026-03-04T05:06:07.500Z');
      const c = instant('2026-03-04T07:06:07.5000000+02:00');
      assert.equal(compareInstants(a, b), 0);
      assert.equal(compareInstants(a, c), 0);
    });

    it('accepts a space instead of T and surrounding blanks', () => {
      assert.equal(instant(' 2026-03-04 05:06:07 ').epochMs, Date.UTC(2026, 2, 4, 5, 6, 7));
    });

    const fractions: [string, number, number][] = [
      ['1', 100, 0],
      ['12', 120, 0],
      ['123', 123, 0],
      ['1234', 123, 4000],
      ['12345', 123, 4500],
      ['123456', 123, 4560],
      ['1234567', 123, 4567],
    ];
    for (const [digits, ms, ticks] of fractions) {
      it(`accepts ${digits.length} fractional digit(s)`, () => {
        const t = instant(`2026-03-04T05:06:07.${digits}`);
        assert.equal(t.epochMs, Date.UTC(2026, 2, 4, 5, 6, 7, ms));
        assert.equal(t.subMsTicks, ticks);
      });
    }

    it('orders 7-digit timestamps within the same millisecond', () => {
      const earlier = instant('2026-03-04T05:06:07.1230001');
      const later = instant('2026-03-04T05:06:07.1230002');
      assert.equal(earlier.epochMs, later.epochMs);
      assert.ok(compareInstants(earlier, later) < 0);
      assert.ok(compareInstants(later, earlier) > 0);
    });

    it('keeps the 100 ns part across an offset', () => {
      const t = instant('2026-03-04T05:06:07.9999999-01:00');
      assert.equal(t.epochMs, Date.UTC(2026, 2, 4, 6, 6, 7, 999));
      assert.equal(t.subMsTicks, 9999);
    });

    it('accepts 29 February in a leap year only', () => {
      assert.ok(parseLcsTimestamp('2028-02-29T00:00:00'));
      assert.ok(parseLcsTimestamp('2000-02-29T00:00:00'), 'divisible by 400');
      assert.equal(parseLcsTimestamp('2026-02-29T00:00:00'), undefined);
      assert.equal(parseLcsTimestamp('1900-02-29T00:00:00'), undefined, 'divisible by 100, not 400');
      assert.equal(parseLcsTimestamp('2100-02-29T00:00:00'), undefined);
    });

    const invalid: [string, unknown][] = [
      ['empty string', ''],
      ['blank string', '   '],
      ['undefined', undefined],
      ['null', null],
      ['a number', 1767225600000],
      ['a Date', new Date(0)],
      ['an object', { value: '2026-01-01T00:00:00' }],
      ['30 February', '2026-02-30T00:00:00'],
      ['month 13', '2026-13-01T00:00:00'],
      ['month 0', '2026-00-10T00:00:00'],
      ['day 0', '2026-01-00T00:00:00'],
      ['31 April', '2026-04-31T00:00:00'],
      ['hour 25', '2026-01-01T25:00:00'],
      ['hour 24', '2026-01-01T24:00:00'],
      ['minute 60', '2026-01-01T10:60:00'],
      ['second 60', '2026-01-01T10:00:60'],
      ['a bare time 25:00', '25:00'],
      ['garbage', 'yesterday'],
      ['trailing text', '2026-01-01T00:00:00 UTC'],
      ['trailing text after Z', '2026-01-01T00:00:00Zx'],
      ['leading text', 'x2026-01-01T00:00:00'],
      ['8 fractional digits', '2026-01-01T00:00:00.12345678'],
      ['a dot without digits', '2026-01-01T00:00:00.'],
      ['date only', '2026-01-01'],
      ['no seconds', '2026-01-01T00:00'],
      ['offset hour 24', '2026-01-01T00:00:00+24:00'],
      ['offset minute 60', '2026-01-01T00:00:00+01:60'],
      ['short offset', '2026-01-01T00:00:00+1'],
      ['two-digit year', '26-01-01T00:00:00'],
      ['slashes', '2026/01/01T00:00:00'],
    ];
    for (const [label, value] of invalid) {
      it(`rejects ${label}`, () => {
        assert.equal(parseLcsTimestamp(value), undefined);
      });
    }
  });

  describe('formatInstant', () => {
    it('writes ISO 8601 UTC with Z', () => {
      assert.equal(formatInstant(instant('2019-09-27T15:17:35.867')), '2019-09-27T15:17:35.867Z');
    });

    it('converts an offset to UTC', () => {
      assert.equal(formatInstant(instant('2026-03-04T05:06:07+02:00')), '2026-03-04T03:06:07.000Z');
    });

    it('keeps all 7 fractional digits when there are sub-millisecond ticks', () => {
      assert.equal(formatInstant(instant('2026-03-04T05:06:07.1234567')), '2026-03-04T05:06:07.1234567Z');
    });

    it('drops trailing zeros of the tick part only', () => {
      assert.equal(formatInstant(instant('2026-03-04T05:06:07.1230500')), '2026-03-04T05:06:07.12305Z');
      assert.equal(formatInstant(instant('2026-03-04T05:06:07.0000001')), '2026-03-04T05:06:07.0000001Z');
    });

    it('round-trips through parseLcsTimestamp', () => {
      for (const raw of ['2026-03-04T05:06:07.1234567Z', '2026-03-04T05:06:07.0000001Z', '2026-12-31T23:59:59.999Z']) {
        const t = instant(raw);
        assert.equal(compareInstants(instant(formatInstant(t)), t), 0, raw);
      }
    });
  });

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

  describe('compileWildcards', () => {
    it('returns undefined for an empty list (no filter)', () => {
      assert.equal(compileWildcards([]), undefined);
    });

    it('matches the whole text, not a part of it', () => {
      const match = compileWildcards(['UAT'])!;
      assert.equal(match('UAT'), true);
      assert.equal(match('UAT2'), false);
      assert.equal(match('xUAT'), false);
    });

    it('* matches any text, including none', () => {
      const match = compileWildcards(['UAT*'])!;
      assert.equal(match('UAT'), true);
      assert.equal(match('UAT-2026-01-01'), true);
      assert.equal(match('PreUAT'), false);
      assert.equal(compileWildcards(['*'])!(''), true);
      assert.equal(compileWildcards(['*db*'])!('my-db-copy'), true);
    });

    it('? matches exactly one character', () => {
      const match = compileWildcards(['QA-?'])!;
      assert.equal(match('QA-1'), true);
      assert.equal(match('QA-'), false);
      assert.equal(match('QA-12'), false);
    });

    it('* and ? match across line breaks too', () => {
      assert.equal(compileWildcards(['a*b'])!('a\nb'), true);
      assert.equal(compileWildcards(['a?b'])!('a\nb'), true);
    });

    it('is case-insensitive', () => {
      const match = compileWildcards(['uat*.BACPAC'])!;
      assert.equal(match('UAT-1.bacpac'), true);
      assert.equal(match('Uat-1.BacPac'), true);
    });

    it('treats regular expression metacharacters literally', () => {
      const dot = compileWildcards(['backup.bacpac'])!;
      assert.equal(dot('backup.bacpac'), true);
      assert.equal(dot('backupxbacpac'), false);
      assert.equal(compileWildcards(['copy (1)'])!('copy (1)'), true);
      assert.equal(compileWildcards(['copy (1)'])!('copy 1'), false);
      assert.equal(compileWildcards(['[UAT]*'])!('[UAT] db'), true);
      assert.equal(compileWildcards(['[UAT]*'])!('U db'), false);
      assert.equal(compileWildcards(['a+b'])!('a+b'), true);
      assert.equal(compileWildcards(['a+b'])!('aab'), false);
      assert.equal(compileWildcards(['a|b'])!('a|b'), true);
      assert.equal(compileWildcards(['a|b'])!('a'), false);
      assert.equal(compileWildcards(['^$'])!('^$'), true);
      assert.equal(compileWildcards(['a{2}'])!('a{2}'), true);
      assert.equal(compileWildcards(['a{2}'])!('aa'), false);
      assert.equal(compileWildcards(['c:\\db\\*'])!('c:\\db\\x'), true);
    });

    it('does not let an unbalanced bracket or parenthesis throw', () => {
      assert.doesNotThrow(() => compileWildcards(['(', '[', ')', ']', '\\']));
      assert.equal(compileWildcards(['('])!('('), true);
      assert.equal(compileWildcards(['\\'])!('\\'), true);
    });

    it('matches when any of several patterns matches', () => {
      const match = compileWildcards(['UAT*', 'QA*', 'golden'])!;
      assert.equal(match('UAT-1'), true);
      assert.equal(match('qa-2'), true);
      assert.equal(match('Golden'), true);
      assert.equal(match('PROD'), false);
    });

    it('keeps patterns apart (no alternation leaks between them)', () => {
      const match = compileWildcards(['a', 'b'])!;
      assert.equal(match('ab'), false);
      assert.equal(match('a'), true);
    });
  });

  describe('toDatabaseAsset', () => {
    it('reads the fields of an LCS entry', () => {
      const a = toDatabaseAsset({
        Id: ' 4a2c52d4-49ca-4606-94a9-92b3a6b42985 ',
        Name: 'LanesBackupRecord',
        FileName: 'RandomFile.bacpac',
        FileDescription: 'desc',
        FileLocation: 'https://x.blob.core.windows.net/a?se=2019-09-28T15%3A18%3A05Z',
        CreatedDateTime: '2019-09-27T15:17:35.867',
        ModifiedDateTime: '2019-09-28T15:17:35.867',
      });
      assert.equal(a.id, '4a2c52d4-49ca-4606-94a9-92b3a6b42985');
      assert.equal(a.name, 'LanesBackupRecord');
      assert.equal(a.fileName, 'RandomFile.bacpac');
      assert.equal(a.description, 'desc');
      assert.equal(a.created?.epochMs, Date.UTC(2019, 8, 27, 15, 17, 35, 867));
      assert.equal(a.modified?.epochMs, Date.UTC(2019, 8, 28, 15, 17, 35, 867));
      assert.equal(a.createdRaw, '2019-09-27T15:17:35.867');
    });

    for (const raw of [null, undefined, 42, 'text', true, []]) {
      it(`tolerates ${JSON.stringify(raw) ?? 'undefined'} as an entry`, () => {
        const a = toDatabaseAsset(raw);
        assert.equal(a.id, '');
        assert.equal(a.name, '');
        assert.equal(a.fileName, '');
        assert.equal(a.description, '');
        assert.equal(a.fileLocation, '');
        assert.equal(a.created, undefined);
        assert.equal(a.modified, undefined);
      });
    }

    it('turns non-string fields into empty text and keeps the raw timestamps', () => {
      const a = toDatabaseAsset({ Id: 7, Name: { x: 1 }, FileName: null, FileLocation: 3, CreatedDateTime: 5, ModifiedDateTime: null });
      assert.equal(a.id, '');
      assert.equal(a.name, '');
      assert.equal(a.fileName, '');
      assert.equal(a.fileLocation, '');
      assert.equal(a.createdRaw, 5);
      assert.equal(a.modifiedRaw, null);
      assert.equal(a.created, undefined);
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
      const make = () => [
        asset({ Id: 'b-2' }),
        asset({ Id: 'A-3' }),
        asset({ Id: 'a-1' }),
        asset({ Id: 'B-1' }),
      ];
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
      assert.deepEqual(s.skipped.map((k) => k.asset.id), ['missing', 'null']);
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
      assert.deepEqual(s.skipped.map((k) => k.asset.id), ['bad', 'num']);
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
      assert.deepEqual(s.skipped.map((k) => k.reason), [
        'its Id is not a safe token (letters, digits and dashes, as in a GUID)',
        'its Id is not a safe token (letters, digits and dashes, as in a GUID)',
        'its FileLocation is not an https:// download URL (one line, exactly in canonical URL form)',
        'its FileLocation is not an https:// download URL (one line, exactly in canonical URL form)',
      ]);
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
      const assets = [
        asset({ Id: 'uat', Name: 'UAT' }),
        asset({ Id: 'qa', Name: 'QA' }),
        asset({ Id: 'prod', Name: 'PROD' }),
      ];
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
      assert.deepEqual(s.skipped.map((k) => k.asset.id), ['uat-no-location']);
      assert.equal(s.listedCount, 5);
    });

    it('does not reorder the input array', () => {
      const assets = [asset({ Id: 'old', CreatedDateTime: '2020-01-01T00:00:00' }), asset({ Id: 'new', CreatedDateTime: '2030-01-01T00:00:00' })];
      selectNewestBackup(assets, criteria());
      assert.deepEqual(ids(assets), ['old', 'new']);
    });
  });

  describe('isDownloadUrl', () => {
    const SAS = 'https://uswedpl1catalog.blob.core.windows.net/product-ax7productname/6d3f/AX7ProductName-12-17-a1b2?sv=2015-12-11&sr=b&sig=rO3z%2FV%2Bk%3D&se=2019-09-28T15%3A18%3A05Z&sp=r';

    it('accepts a blob SAS URL as LCS writes it', () => {
      assert.equal(isDownloadUrl(SAS), true);
      assert.equal(isDownloadUrl('https://a.blob.core.windows.net/c/b?se=2030-01-02T03:04:05Z&sig=x'), true);
    });

    // Each of these parses with new URL(), and each would reach an output or a secret as it is.
    const rejected: [string, string][] = [
      ['a line break and an agent command after it', `${SAS}\n##vso[task.setvariable variable=Injected]owned`],
      ['a carriage return', `${SAS}\r`],
      ['a tab inside (the parser drops it)', SAS.replace('sig=', 'sig=\t')],
      ['an agent command without a space, in the fragment', `${SAS}##vso[task.prependpath]/tmp/evil`],
      ['an empty fragment', `${SAS}#`],
      ['a space', SAS.replace('sp=r', 'sp=r x')],
      ['leading blanks (the parser trims them)', ` ${SAS}`],
      ['a Unicode line separator', `${SAS}\u2028x`],
      ['a right-to-left override', `${SAS}\u202e`],
      ['a zero-width space', SAS.replace('blob', 'blob\u200b')],
      ['non-ASCII text in the path', SAS.replace('product-', 'prödukt-')],
      ['an upper-case host', SAS.replace('uswedpl1catalog', 'USWEDPL1CATALOG')],
      ['an upper-case scheme', SAS.replace('https:', 'HTTPS:')],
      ['the default port written out', SAS.replace('.net/', '.net:443/')],
      ['a dot segment', SAS.replace('/6d3f/', '/x/../6d3f/')],
      ['a backslash', SAS.replace('/6d3f/', '\\6d3f/')],
      ['no path at all', 'https://a.blob.core.windows.net'],
      ['a user name and password', SAS.replace('https://', 'https://u:p@')],
      ['plain http', SAS.replace('https:', 'http:')],
      ['a placeholder', 'N/A'],
      ['an empty string', ''],
      ['a URL longer than 8192 characters', `${SAS}&x=${'a'.repeat(8192)}`],
    ];
    for (const [label, value] of rejected) {
      it(`rejects ${label}`, () => assert.equal(isDownloadUrl(value), false));
    }

    it('skips such a backup as "not a download URL", and the others stay eligible', () => {
      const assets = [
        asset({ Id: 'evil', FileLocation: `${SAS}\n##vso[task.setvariable variable=Injected]owned`, CreatedDateTime: '2030-01-01T00:00:00' }),
        asset({ Id: 'fragment', FileLocation: `${SAS}##vso[task.prependpath]/tmp`, CreatedDateTime: '2029-01-01T00:00:00' }),
        asset({ Id: 'good', FileLocation: SAS, CreatedDateTime: '2020-01-01T00:00:00' }),
      ];
      const s = selectNewestBackup(assets, criteria());
      assert.equal(s.chosen?.id, 'good');
      assert.deepEqual(s.skipped.map((k) => k.asset.id), ['evil', 'fragment']);
      for (const k of s.skipped) assert.match(k.reason, /FileLocation is not an https:\/\/ download URL/);
    });
  });

  describe('backupOutputValues', () => {
    it('publishes only single lines without agent commands or invisible characters', () => {
      const values = backupOutputValues(toDatabaseAsset({
        Id: '6e1b2c3d-4e5f-4a6b-8c7d-000000000001',
        Name: 'UAT\n##vso[task.setvariable variable=X]y \u202egnp.exe',
        FileName: 'a\r\n##[error]b\u200b.bacpac',
        FileLocation: 'https://a.blob.core.windows.net/c/b?se=2030-01-02T03:04:05Z&sig=x',
        CreatedDateTime: '2026-01-02T03:04:05.1234567',
      }));
      for (const [name, value] of Object.entries(values)) {
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(value, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Cf}/u, `${name}: ${JSON.stringify(value)}`);
        assert.doesNotMatch(value, /##vso\[|##\[/i, `${name}: ${value}`);
      }
      assert.equal(values.BackupCreatedDateTime, '2026-01-02T03:04:05.1234567Z');
      assert.equal(values.FileLocationExpiresOn, '2030-01-02T03:04:05Z');
    });
  });

  describe('sasExpiry', () => {
    it('reads a URL-encoded ISO se= value', () => {
      const url = 'https://scrubbed.blob.core.windows.net/c/b?sv=2015-12-11&sr=b&sig=rO3z%2FV%3D&se=2019-09-28T15%3A18%3A05Z&sp=r';
      assert.equal(sasExpiry(url)?.toISOString(), '2019-09-28T15:18:05.000Z');
    });

    it('reads an unencoded ISO se= value', () => {
      assert.equal(sasExpiry('https://a.blob.core.windows.net/c?se=2030-01-02T03:04:05Z&sig=x')?.toISOString(), '2030-01-02T03:04:05.000Z');
    });

    it('reads a date-only se= value as midnight UTC', () => {
      assert.equal(sasExpiry('https://a.blob.core.windows.net/c?se=2030-01-02&sig=x')?.toISOString(), '2030-01-02T00:00:00.000Z');
    });

    const unreadable: [string, string][] = [
      ['no se parameter', 'https://a.blob.core.windows.net/c?sig=x&sp=r'],
      ['no query', 'https://a.blob.core.windows.net/c'],
      ['an empty se', 'https://a.blob.core.windows.net/c?se=&sig=x'],
      ['a garbage se', 'https://a.blob.core.windows.net/c?se=tomorrow'],
      ['an impossible date', 'https://a.blob.core.windows.net/c?se=2030-02-30'],
      ['a relative URL', '/c/b?se=2030-01-02'],
      ['not a URL', 'not a url at all'],
      ['an empty string', ''],
      ['a broken host', 'https://[::1/?se=2030-01-02'],
    ];
    for (const [label, url] of unreadable) {
      it(`returns undefined for ${label} and does not throw`, () => {
        assert.doesNotThrow(() => sasExpiry(url));
        assert.equal(sasExpiry(url), undefined);
      });
    }
  });
});
