/**
 * Answers too large to hold: the task fails with one readable message, and its memory stays
 * bounded (npm run bench:hostile measures the peak). Before, a list of tens of MB of `null`s or
 * a small gzip bomb exhausted the heap and the process died with no result at all.
 */
import { strict as assert } from 'node:assert';
import { LIST_ANSWER_HEAD as HEAD, LIST_ANSWER_TAIL as TAIL, gzipBomb } from '../emulator/emulator';
import { assertInvariants, assertMentions, listRequests, runLcsTask, singleError, useEmulator } from './helpers';

describe('e2e: answers too large to hold', function () {
  const ctx = useEmulator();

  it('a gzip bomb (100 MiB unpacked from about 100 KiB): Failed, naming the 48 MiB limit; not retried', async () => {
    const emu = ctx.emu;
    const bomb = await gzipBomb(100);
    assert.ok((bomb.body as Buffer).length < 1024 * 1024, `${(bomb.body as Buffer).length} bytes`);
    emu.lcsSteps.push(bomb);
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertMentions(
      singleError(run),
      /^LCS \(127\.0\.0\.1:\d+\) answered with more than 48 MiB \(after decompression\), more than the task reads from one answer\./,
      /Lifecycle Services API endpoint/,
    );
    assert.equal(listRequests(emu).length, 1);
  });

  it('a list of 200,001 nulls: Failed, saying how many backups LCS listed and what the task reads', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 200, headers: { 'Content-Type': 'application/json' }, body: `${HEAD}${'null,'.repeat(200_000)}null${TAIL}` });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertMentions(singleError(run), 'LCS listed 200,001 database backups, more than the 200,000 the task reads from one list.', /Asset library/);
  });

  it('3,000,001 empty objects (9 MB that JSON.parse would make about 200 MB of): Failed before parsing them', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 200, headers: { 'Content-Type': 'application/json' }, body: `${HEAD}${'{},'.repeat(3_000_000)}{}${TAIL}` });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertMentions(singleError(run), /^LCS answered with JSON of more than 3,000,000 values \([\d,]+ characters\), more than the task reads from one answer\./);
  });
});
