/**
 * Choosing the backup through the task's inputs: name and file name filters, newestBy, no match,
 * backupId, and a large asset library.
 */
import { strict as assert } from 'node:assert';
import { generateBackups, type RawBackup } from '../emulator/emulator';
import {
  assertInvariants,
  assertMentions,
  assertResult,
  isoUtc,
  listRequests,
  logTable,
  newestBy,
  outputValue,
  PROJECT_ID,
  runLcsTask,
  singleError,
  summaryOf,
  unescapeMarkdown,
  useEmulator,
} from './helpers';

const HOUR_MS = 3_600_000;

/** A copy of a sample backup with another identity and creation time. */
function variant(base: RawBackup, changes: Partial<RawBackup>, createdAgoMs: number): RawBackup {
  const created = new Date(Date.now() - createdAgoMs).toISOString().replace('Z', '');
  return {
    ...base,
    Id: '0f0e0d0c-0b0a-4908-8706-050403020100',
    CreatedDateTime: created,
    ModifiedDateTime: created,
    FileLocation: base.FileLocation!.replace('sp=r', 'sp=r&variant=1'),
    ...changes,
  };
}

describe('e2e: backup selection', function () {
  const ctx = useEmulator();

  it('nameFilter with two lines (UAT* and QA*): any pattern may match, case-insensitively', async () => {
    const emu = ctx.emu;
    // The newest backup of all is a QA one: only the second pattern lets it through.
    const qa = variant(emu.backups[0], { Name: 'qa Nightly', FileName: 'qa-nightly.bacpac' }, 2 * HOUR_MS);
    emu.backups.push(qa);
    const run = await runLcsTask(emu, { inputs: { nameFilter: 'UAT*\nQA*' } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'BackupId'), qa.Id);
    assert.equal(outputValue(run, 'BackupName'), 'qa Nightly');
    // Two "UAT golden" samples plus the QA one; PROD copy, Before upgrade and Golden config are filtered out.
    assert.equal(outputValue(run, 'BackupCount'), '3');
    assert.equal(logTable(run).rows.length, 3);
  });

  it('fileNameFilter selects on FileName only', async () => {
    const emu = ctx.emu;
    const prod = emu.backups.find((b) => b.Name!.startsWith('PROD copy'))!;
    const run = await runLcsTask(emu, { inputs: { fileNameFilter: 'prod-COPY-*.BACPAC' } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'BackupId'), prod.Id);
    assert.equal(outputValue(run, 'BackupFileName'), prod.FileName);
    assert.equal(outputValue(run, 'BackupCount'), '1');
  });

  it('newestBy modified chooses the backup modified last (PROD copy), not the one created last', async () => {
    const emu = ctx.emu;
    const byModified = newestBy(emu.backups, 'ModifiedDateTime');
    const byCreated = newestBy(emu.backups, 'CreatedDateTime');
    assert.notEqual(byModified.Id, byCreated.Id, 'the samples should make the two rules disagree');
    assert.match(byModified.Name!, /^PROD copy/);
    const run = await runLcsTask(emu, { inputs: { newestBy: 'modified' } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'BackupId'), byModified.Id);
    assert.equal(outputValue(run, 'BackupCreatedDateTime'), isoUtc(byModified.CreatedDateTime!));
    assert.equal(outputValue(run, 'FileLocation'), byModified.FileLocation);
    assert.ok(
      run.plainLines.some((l) => l.startsWith(`Chosen: '${byModified.Name}'`) && /ModifiedDateTime/.test(l)),
      run.stdout,
    );
  });

  it('no match with failIfNoBackup false: SucceededWithIssues and BackupCount 0', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { inputs: { nameFilter: 'NOPE*', failIfNoBackup: 'false' } });
    assertInvariants(run, emu);
    assertResult(run, 'SucceededWithIssues');
    assert.equal(outputValue(run, 'BackupCount'), '0');
    assert.equal(outputValue(run, 'BackupId'), '');
    assert.equal(outputValue(run, 'FileLocation'), '');
    assert.equal(run.errors.length, 0);
    assert.ok(
      run.warnings.some((w) => /BackupCount is 0/.test(w) && w.includes('NOPE*')),
      JSON.stringify(run.warnings),
    );
  });

  it('no match by default (failIfNoBackup true): Failed with the filters in the message', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { inputs: { nameFilter: 'NOPE*' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'No database backup', 'NOPE*', '5 listed');
    assert.equal(run.variables.BackupId, undefined, 'outputs set although the task failed');
  });

  it('maxAgeDays: a chosen backup older than the limit fails the task, naming the limit', async () => {
    const emu = ctx.emu;
    // The newest sample is ~1 day old.
    const run = await runLcsTask(emu, { inputs: { maxAgeDays: '0.5' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'maxAgeDays', '0.5', emu.backups[0].Name!);
    assert.equal(run.variables.BackupId, undefined);
  });

  it('a chosen backup older than 30 days warns without maxAgeDays, and not with it', async () => {
    const emu = ctx.emu;
    const stale = await runLcsTask(emu, { inputs: { nameFilter: 'Golden config' } });
    assertInvariants(stale, emu);
    assertResult(stale, 'Succeeded');
    assert.ok(
      stale.warnings.some((w) => w.includes('Golden config') && /30 days/.test(w)),
      JSON.stringify(stale.warnings),
    );
    const limited = await runLcsTask(emu, { inputs: { nameFilter: 'Golden config', maxAgeDays: '60' } });
    assertInvariants(limited, emu);
    assertResult(limited, 'Succeeded');
    assert.ok(!limited.warnings.some((w) => /30 days/.test(w)), JSON.stringify(limited.warnings));
  });

  it('a download URL that expires within 2 hours: a warning, and FileLocationExpiresOn says when', async () => {
    const emu = ctx.emu;
    const soon = new Date(Math.floor(Date.now() / 1000) * 1000 + 45 * 60_000);
    const se = encodeURIComponent(soon.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    emu.backups[0].FileLocation = emu.backups[0].FileLocation!.replace(/se=[^&]+/, `se=${se}`);
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'FileLocationExpiresOn'), soon.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.ok(
      run.warnings.some((w) => /FileLocation/.test(w) && /expires in \d+ min/.test(w)),
      JSON.stringify(run.warnings),
    );
  });

  it('backupId chooses exactly that backup (any case); the name filter and newestBy do not apply', async () => {
    const emu = ctx.emu;
    const newest = newestBy(emu.backups, 'CreatedDateTime');
    const older = emu.backups.find((b) => b.Name === 'Golden config')!;
    assert.notEqual(older.Id, newest.Id);
    const run = await runLcsTask(emu, { inputs: { backupId: older.Id!.toUpperCase(), nameFilter: 'UAT*', newestBy: 'modified', maxAgeDays: '1' } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'BackupId'), older.Id);
    assert.equal(outputValue(run, 'BackupName'), 'Golden config');
    assert.equal(outputValue(run, 'FileLocation'), older.FileLocation);
    assert.equal(outputValue(run, 'BackupCount'), '1');
    assert.ok(
      run.plainLines.some((l) => l.startsWith('Backups:') && l.includes(`chosen by backupId ${older.Id!.toUpperCase()}: found`)),
      run.stdout,
    );
    assert.ok(
      run.plainLines.some((l) => l.startsWith(`Chosen: 'Golden config'`) && /the Id in backupId/.test(l)),
      run.stdout,
    );
    assert.match(unescapeMarkdown(summaryOf(run)), /\*\*Chosen by id:\*\* Golden config/);
    assert.equal(run.result?.message, 'Backup chosen by id: Golden config');
    assert.equal(listRequests(emu).length, 1);
  });

  it('backupId that LCS does not list: Failed naming the id, even with failIfNoBackup false', async () => {
    const emu = ctx.emu;
    const missing = 'fedcba98-7654-4321-8fed-cba987654321';
    const run = await runLcsTask(emu, { inputs: { backupId: missing, failIfNoBackup: 'false' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, `no database backup with Id ${missing}`, `LCS project ${PROJECT_ID}`, '5 listed', 'clear backupId');
    assert.equal(run.variables.BackupId, undefined, 'outputs set although the task failed');
  });

  it('a malformed backupId fails before any request', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { inputs: { backupId: '$(backupId)' } });
    assertInvariants(run, emu);
    assertMentions(singleError(run), "Input 'backupId'", 'not expanded');
    assert.equal(emu.requests.length, 0);
  });

  it('20,000 backups: all counted, the log table stays at 20 rows plus one "older matching backups" line', async function () {
    this.timeout(60_000);
    const emu = ctx.emu;
    emu.backups = generateBackups(20_000);
    const expected = newestBy(emu.backups, 'CreatedDateTime');
    const run = await runLcsTask(emu, { timeoutMs: 50_000 });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'BackupCount'), '20000');
    assert.equal(outputValue(run, 'BackupId'), expected.Id);
    const table = logTable(run);
    assert.equal(table.rows.length, 20, `${table.rows.length} table rows`);
    assert.ok(table.more, 'no "older matching backups" line');
    assert.match(table.more, new RegExp(`\\b${20_000 - table.rows.length} older matching backups`));
    assert.equal(listRequests(emu).length, 1);
    // The summary is bounded too.
    const summaryRows = summaryOf(run)
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| |') && /\d{4}-\d{2}-\d{2} /.test(l));
    assert.equal(summaryRows.length, 20, `${summaryRows.length} summary rows`);
    // Every one of the 20,000 download URLs is a secret, yet the log is not flooded by more than that.
    assert.ok(run.stdout.length < 40 * 1024 * 1024);
  });
});
