import { strict as assert } from 'node:assert';
import { DatabaseAsset, toDatabaseAsset } from '../../../tasks/common/lcs/databaseAssets';
import { LcsInstant, parseLcsTimestamp } from '../../../tasks/common/text/time';
import { SelectionCriteria, selectNewestBackup, selectBackup } from '../../../tasks/common/backups/backupSelection';
import {
  SummaryContext,
  TABLE_ROWS,
  backupTable,
  chosenLine,
  describeFilters,
  formatAge,
  shortTime,
  summaryMarkdown,
  logSelection,
} from '../../../tasks/LcsDatabaseBackupsV1/report';
import { FakeHost } from '../../support/fakeHost';
import * as backupId from '../../support/backupIdFixtures';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function at(ms: number): LcsInstant {
  return { epochMs: ms, subMsTicks: 0 };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

function backup(id: string, createdMs: number, fields: Record<string, unknown> = {}): DatabaseAsset {
  return toDatabaseAsset({
    Id: id,
    Name: `Backup ${id}`,
    FileName: `${id}.bacpac`,
    FileLocation: `https://x.blob.core.windows.net/c/${id}?sig=secret`,
    CreatedDateTime: iso(createdMs),
    ModifiedDateTime: iso(createdMs + HOUR),
    ...fields,
  });
}

function criteria(overrides: Partial<SelectionCriteria> = {}): SelectionCriteria {
  return { namePatterns: [], fileNamePatterns: [], newestBy: 'created', ...overrides };
}

/** `count` backups, one a day, the newest 1 day old. */
function many(count: number): DatabaseAsset[] {
  return Array.from({ length: count }, (_, i) => backup(`b${String(i).padStart(2, '0')}`, NOW - (i + 1) * DAY));
}

/** Pipes not preceded by an odd number of backslashes. */
function unescapedPipes(line: string): number {
  return (line.match(/(?<!\\)(?:\\\\)*\|/g) ?? []).length;
}

function context(assets: DatabaseAsset[], overrides: Partial<SummaryContext> = {}, c: SelectionCriteria = criteria()): SummaryContext {
  return {
    projectId: 1234567,
    apiHost: 'lcsapi.lcs.dynamics.com',
    selection: selectNewestBackup(assets, c),
    criteria: c,
    now: NOW,
    fileLocationIsSecret: true,
    ...overrides,
  };
}

describe('report', () => {
  describe('shortTime', () => {
    it('prints UTC to the second, or - when missing', () => {
      assert.equal(shortTime(parseLcsTimestamp('2026-11-28T03:12:45.9999999+01:00')), '2026-11-28 02:12:45');
      assert.equal(shortTime(undefined), '-');
    });
  });

  describe('formatAge', () => {
    const cases: [number, string][] = [
      [0, '0 min'],
      [29 * 1000, '0 min'],
      [45 * MINUTE, '45 min'],
      [59 * MINUTE, '59 min'],
      [60 * MINUTE, '1.0 h'],
      [5.2 * HOUR, '5.2 h'],
      [47.9 * HOUR, '47.9 h'],
      [48 * HOUR, '2.0 d'],
      [3.1 * DAY, '3.1 d'],
      [400 * DAY, '400.0 d'],
    ];
    for (const [ageMs, expected] of cases) {
      it(`${ageMs} ms → '${expected}'`, () => {
        assert.equal(formatAge(at(NOW - ageMs), NOW), expected);
      });
    }

    it("says 'dated in the future' for a timestamp after now", () => {
      assert.equal(formatAge(at(NOW + MINUTE), NOW), 'dated in the future');
    });

    it("prints '-' without a timestamp", () => {
      assert.equal(formatAge(undefined, NOW), '-');
    });
  });

  describe('backupTable', () => {
    it('has a header and one row per candidate, the first marked >', () => {
      const lines = backupTable(many(3), NOW, 'created');
      assert.equal(lines.length, 4);
      assert.match(lines[0], /Name\s+File name\s+Created \(UTC\)\s+Modified \(UTC\)\s+Age/);
      assert.match(lines[1], /^ > Backup b00 /);
      assert.match(lines[2], /^ {3}Backup b01 /);
      assert.match(lines[3], /^ {3}Backup b02 /);
      assert.ok(lines.slice(2).every((l) => !l.startsWith(' >')));
      assert.match(lines[1], /b00\.bacpac/);
      assert.match(lines[1], new RegExp(shortTime(at(NOW - DAY))));
      assert.match(lines[1], /24\.0 h$/);
    });

    it('shows the age by the deciding timestamp', () => {
      // Modified is one hour after created.
      assert.match(backupTable([backup('x', NOW - 30 * HOUR)], NOW, 'modified')[1], /29\.0 h$/);
      assert.match(backupTable([backup('x', NOW - 30 * HOUR)], NOW, 'created')[1], /30\.0 h$/);
    });

    it('aligns the columns', () => {
      const lines = backupTable([backup('a', NOW - DAY, { Name: 'short' }), backup('b', NOW - 2 * DAY, { Name: 'a much longer backup name' })], NOW, 'created');
      const column = (line: string) => line.indexOf('.bacpac');
      assert.equal(column(lines[1]), column(lines[2]));
    });

    it(`shows at most ${TABLE_ROWS} rows, then a line about the older ones`, () => {
      assert.equal(TABLE_ROWS, 20);
      const lines = backupTable(many(27), NOW, 'created');
      assert.equal(lines.length, 1 + 20 + 1);
      assert.match(lines[21], /and 7 older matching backups/);
      assert.match(lines[20], /Backup b19/);
    });

    it('has no "older" line for exactly 20 rows', () => {
      const lines = backupTable(many(20), NOW, 'created');
      assert.equal(lines.length, 21);
      assert.ok(lines.every((l) => !/older/.test(l)));
    });

    it('has only the header for no candidates', () => {
      assert.equal(backupTable([], NOW, 'created').length, 1);
    });

    it('truncates long names with an ellipsis', () => {
      const long = 'N'.repeat(100);
      const lines = backupTable([backup('a', NOW - DAY, { Name: long, FileName: `${'F'.repeat(100)}.bacpac` })], NOW, 'created');
      assert.ok(!lines[1].includes(long));
      assert.match(lines[1], /N{39}…/);
      assert.match(lines[1], /F{39}…/);
      assert.ok(lines[1].length < 160, `${lines[1].length}`);
    });

    it('neutralizes hostile names and file names', () => {
      const lines = backupTable(
        [backup('a', NOW - DAY, { Name: '##vso[task.setvariable variable=BackupId]evil', FileName: 'x\r\n##[error]y' })],
        NOW,
        'created',
      );
      for (const line of lines) {
        assert.doesNotMatch(line, /##vso\[/i);
        assert.doesNotMatch(line, /##\[/);
        assert.doesNotMatch(line, /[\r\n]/);
      }
    });

    it('prints - for a missing other timestamp', () => {
      const [, row] = backupTable([backup('a', NOW - DAY, { ModifiedDateTime: null })], NOW, 'created');
      assert.match(row, / - /);
    });
  });

  describe('describeFilters', () => {
    it('reads the filters as a sentence', () => {
      assert.equal(describeFilters(criteria()), 'no filters');
      assert.equal(describeFilters(criteria({ namePatterns: ['UAT*', 'QA*'] })), 'name matches UAT* or QA*');
      assert.equal(describeFilters(criteria({ namePatterns: ['UAT*'], fileNamePatterns: ['*.bacpac'] })), 'name matches UAT*; file name matches *.bacpac');
    });

    it('neutralizes patterns', () => {
      assert.doesNotMatch(describeFilters(criteria({ namePatterns: ['##vso[task.complete]'] })), /##vso\[/i);
    });
  });

  describe('chosenLine', () => {
    it('names the chosen backup and the rule (newest by CreatedDateTime of N)', () => {
      const c = criteria();
      const line = chosenLine(selectNewestBackup(many(3), c), c, NOW);
      assert.match(line, /Chosen: 'Backup b00' \(b00\.bacpac\), id b00/);
      assert.match(line, /the newest by CreatedDateTime of 3 matching backups/);
      assert.match(line, new RegExp(`created ${shortTime(at(NOW - DAY))} UTC \\(24\\.0 h ago\\)`));
    });

    it('names ModifiedDateTime when that decides', () => {
      const c = criteria({ newestBy: 'modified' });
      const line = chosenLine(selectNewestBackup(many(2), c), c, NOW);
      assert.match(line, /the newest by ModifiedDateTime of 2 matching backups/);
      assert.match(line, /modified /);
    });

    it('says when it was the only match', () => {
      const c = criteria();
      assert.match(chosenLine(selectNewestBackup(many(1), c), c, NOW), /the only matching backup/);
    });

    it('neutralizes the name and file name (an id that is not a GUID is never chosen)', () => {
      const c = criteria();
      const hostile = backup('7c9e6679-7425-40de-944b-e07fc1f90ae7', NOW - DAY, { Name: '##VSO[task.complete]\nx', FileName: '##[error]' });
      const line = chosenLine(selectNewestBackup([hostile], c), c, NOW);
      assert.doesNotMatch(line, /##vso\[/i);
      assert.doesNotMatch(line, /##\[/);
      assert.doesNotMatch(line, /[\r\n]/);
    });
  });

  describe('summaryMarkdown', () => {
    function tableRows(markdown: string): string[] {
      const lines = markdown.split('\n');
      const start = lines.findIndex((l) => l.startsWith('| | Name |'));
      assert.ok(start >= 0, 'the backup table is present');
      const rows: string[] = [];
      for (let i = start; i < lines.length && lines[i].startsWith('|'); i++) {
        rows.push(lines[i]);
      }
      return rows;
    }

    it('shows the project, counts, filters, the chosen backup and the outputs how-to', () => {
      const c = criteria({ namePatterns: ['Backup*'], fileNamePatterns: ['*.bacpac'] });
      const md = summaryMarkdown(context([...many(3), backup('other', NOW, { Name: 'PROD' })], {}, c));
      assert.match(md, /\*\*Project\*\* 1234567 on lcsapi\.lcs\.dynamics\.com: 4 backups listed, 3 matched/);
      assert.match(md.replace(/\\/g, ''), /\(name matches Backup\*; file name matches \*\.bacpac\)/);
      assert.match(md, /\*\*Chosen:\*\* Backup b00 \(b00\.bacpac\), the newest by CreatedDateTime\./);
      assert.match(md, /\*\*Read the outputs\*\*/);
      assert.match(md, /\$\(lcs\.BackupId\)/);
      assert.match(md, /dependencies\.<job>\.outputs\['lcs\.BackupId'\]/);
      assert.match(md, /stageDependencies/);
      assert.match(md, /secret variable/);
      assert.ok(md.endsWith('\n'));
    });

    it('marks the chosen row, and only that one', () => {
      const rows = tableRows(summaryMarkdown(context(many(3))));
      // header, separator, 3 rows
      assert.equal(rows.length, 5);
      assert.match(rows[2], /^\| ✅ chosen \| Backup b00 \|/);
      assert.ok(rows.slice(3).every((r) => !r.includes('chosen')));
    });

    it('keeps every table row at 6 columns, whatever the backup names contain', () => {
      const hostile = [
        backup('a', NOW - DAY, { Name: 'a | b | c', FileName: 'x|y.bacpac' }),
        backup('b', NOW - 2 * DAY, { Name: '[click](https://evil.example) | ![img](https://evil.example/x.png)', FileName: '](|' }),
        backup('c', NOW - 3 * DAY, { Name: 'trailing backslash \\', FileName: '\\|\\\\|' }),
        backup('d', NOW - 4 * DAY, { Name: 'line\nbreak | here', FileName: '<b>|</b>' }),
      ];
      const rows = tableRows(summaryMarkdown(context(hostile)));
      assert.equal(rows.length, 2 + hostile.length);
      for (const row of rows) {
        assert.equal(unescapedPipes(row), 7, row);
      }
    });

    it('lets no link, image, HTML or agent command through', () => {
      const md = summaryMarkdown(
        context([
          backup('a', NOW - DAY, { Name: '[click](https://evil.example)', FileName: '<img src=x onerror=alert(1)>' }),
          backup('b', NOW - 2 * DAY, { Name: '##vso[task.setvariable variable=BackupId]evil' }),
        ]),
      );
      assert.doesNotMatch(md, /(?<!\\)\]\(/);
      assert.doesNotMatch(md, /(?<!\\)<img/);
      assert.doesNotMatch(md, /##vso\[/i);
      assert.doesNotMatch(md, /evil\.example\)/);
    });

    it('shows 20 rows and a line about the older ones', () => {
      const md = summaryMarkdown(context(many(25)));
      assert.equal(tableRows(md).length, 2 + 20);
      assert.match(md, /and 5 older matching backups/);
    });

    it('mentions skipped backups', () => {
      const md = summaryMarkdown(context([...many(2), backup('bad', NOW, { CreatedDateTime: 'nope' })]));
      assert.match(md, /1 matching backups were skipped/);
    });

    it('shows when the download URL expires', () => {
      const md = summaryMarkdown(context(many(1), { fileLocationExpiresOn: new Date(Date.UTC(2026, 0, 16, 12, 0, 0)) }));
      assert.match(md, /expires on 2026-01-16T12:00:00Z/);
    });

    it('says FileLocation is plain when it is not a secret', () => {
      const md = summaryMarkdown(context(many(1), { fileLocationIsSecret: false }));
      assert.match(md, /plain variable/);
      assert.doesNotMatch(md, /is a secret variable/);
    });

    it('never prints the download URL', () => {
      assert.doesNotMatch(summaryMarkdown(context(many(3))), /sig=secret/);
    });

    it('has a no-backup variant without a table', () => {
      const c = criteria({ namePatterns: ['UAT*'] });
      const md = summaryMarkdown(context(many(3), {}, c));
      assert.match(md, /\*\*No backup matched the filters\.\*\*/);
      assert.match(md, /3 backups listed, 0 matched/);
      assert.match(md, /UAT\\\*/);
      assert.doesNotMatch(md, /\| \| Name \|/);
      assert.doesNotMatch(md, /\*\*Chosen/);
      assert.match(md, /\*\*Read the outputs\*\*/);
    });

    it('handles an empty project', () => {
      const md = summaryMarkdown(context([]));
      assert.match(md, /0 backups listed, 0 matched \(no filters\)/);
      assert.match(md, /No backup matched/);
    });
  });
});

describe('report: backupId', () => {
  const { NOW, OLD_ID, ASSETS, criteria } = backupId;

  describe('log and summary', () => {
    it('the chosen line says the Id chose it, not "the newest"', () => {
      const line = chosenLine(selectBackup(ASSETS, criteria()), criteria(), NOW);
      assert.match(line, /^Chosen: 'PROD before upgrade' \(PROD before upgrade\.bacpac\), id 0b9e6c4a-/);
      assert.match(line, /created 2026-08-31 12:00:00 UTC \(90\.0 d old\)/);
      assert.match(line, /the backup with the Id in backupId \(filters, newestBy and maxAgeDays do not apply\)/);
      assert.doesNotMatch(line, /the newest/i);
    });

    it('the Backups line names the Id and whether it was found', () => {
      for (const [id, expected] of [
        [OLD_ID, /chosen by backupId 0B9E6C4A-.*: found/],
        ['ffffffff-0000-4000-8000-000000000000', /: not listed/],
      ] as const) {
        const host = new FakeHost({ inputs: {} });
        const c = criteria({ backupId: id });
        logSelection(host, selectBackup(ASSETS, c), c, NOW);
        assert.match(host.lines[0].text, /^Backups: {5}3 listed; chosen by backupId /);
        assert.match(host.lines[0].text, expected);
      }
    });

    it('the summary says "Chosen by id" and shows the one backup', () => {
      const md = summaryMarkdown({
        projectId: 1234567,
        apiHost: 'lcsapi.lcs.dynamics.com',
        selection: selectBackup(ASSETS, criteria()),
        criteria: criteria(),
        now: NOW,
        fileLocationIsSecret: true,
      });
      assert.match(md, /3 backups listed; backupId asks for 0B9E6C4A-1111-4222-8333-944455556666 \(filters, newestBy and maxAgeDays do not apply\)/);
      assert.match(md, /\*\*Chosen by id:\*\* PROD before upgrade \(PROD before upgrade\.bacpac\)/);
      assert.equal(md.split('\n').filter((l) => l.startsWith('| ✅ chosen |')).length, 1);
      assert.doesNotMatch(md, /UAT golden|QA nightly/);
    });

    it('the summary says so when the Id is not listed', () => {
      const c = criteria({ backupId: 'ffffffff-0000-4000-8000-000000000000' });
      const md = summaryMarkdown({
        projectId: 1234567,
        apiHost: 'lcsapi.lcs.dynamics.com',
        selection: selectBackup(ASSETS, c),
        criteria: c,
        now: NOW,
        fileLocationIsSecret: true,
      });
      assert.match(md, /\*\*No usable backup with Id ffffffff-0000-4000-8000-000000000000 is listed\.\*\*/);
      assert.doesNotMatch(md, /\| Name \|/);
    });
  });
});
