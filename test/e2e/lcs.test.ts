/**
 * What the LCS API answers besides a good list: HTTP errors with advice, IsSuccess:false, a body
 * that is not JSON, and a retirement date for the API version.
 */
import { strict as assert } from 'node:assert';
import { htmlPage, lcsFailure } from '../emulator/emulator';
import {
  PROJECT_ID,
  assertInvariants,
  assertMentions,
  assertResult,
  listRequests,
  outputValue,
  runLcsTask,
  singleError,
  tokenRequests,
  useEmulator,
} from './helpers';

const STATUS_ADVICE: Record<number, (string | RegExp)[]> = {
  403: ['HTTP 403', `project ${PROJECT_ID}`, /Add the service account to the LCS project/],
  404: ['HTTP 404', `project ${PROJECT_ID}`, /Check the project id/],
};

describe('e2e: LCS API answers', function () {
  const ctx = useEmulator();

  for (const [statusText, advice] of Object.entries(STATUS_ADVICE)) {
    const status = Number(statusText);
    it(`HTTP ${status}: one error with the advice, no retry`, async () => {
      const emu = ctx.emu;
      emu.lcsSteps.push(
        {
          status,
          headers: status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {},
          body: status === 401 ? undefined : { Message: 'Authorization has been denied for this request.' },
        },
        // Would let a retry succeed: the test must see that none happened.
        {},
      );
      const run = await runLcsTask(emu);
      assertInvariants(run, emu);
      const message = singleError(run);
      assertMentions(message, ...advice);
      assert.equal(listRequests(emu).length, 1, 'the list request was retried');
      assert.equal(tokenRequests(emu).length, 1);
      assert.equal(Object.keys(run.variables).length, 0);
    });
  }

  it('HTTP 401 twice: one renewed token, one more try, then one error with the advice', async () => {
    const emu = ctx.emu;
    const denied = { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };
    emu.lcsSteps.push(denied, denied, {});
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertMentions(singleError(run), 'HTTP 401', /rejected the access token/, /geography/);
    assert.equal(listRequests(emu).length, 2, 'exactly one more try after a fresh token');
    assert.equal(tokenRequests(emu).length, 2);
    assert.equal(Object.keys(run.variables).length, 0);
  });

  it('HTTP 401 once (a revoked token): the task signs in again and succeeds', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(listRequests(emu).length, 2);
    assert.equal(tokenRequests(emu).length, 2);
    assert.ok(
      run.lines.some((l) => /^Renewed the access token/.test(l)),
      run.stdout,
    );
  });

  it('IsSuccess false: the ErrorMessage and the OperationActivityId in one error', async () => {
    const emu = ctx.emu;
    const activity = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
    emu.lcsSteps.push(lcsFailure('The project is being migrated; try later.', activity));
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'The project is being migrated; try later.', activity);
    assert.equal(listRequests(emu).length, 1, 'IsSuccess:false must not be retried');
  });

  it('an HTML page with HTTP 200: a clear "not JSON" message', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push(htmlPage(200));
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'not JSON', 'text/html');
    assert.ok(!message.includes('<html'), 'the page itself is dumped into the message');
    assert.equal(listRequests(emu).length, 1);
  });

  it('VersionEOL set to a real date: a warning with the date, still Succeeded', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({
      status: 200,
      body: {
        DatabaseAssets: emu.backups,
        IsSuccess: true,
        OperationActivityId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
        ErrorMessage: null,
        VersionEOL: '2027-03-31T00:00:00',
      },
    });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const warning = run.warnings.find((w) => w.includes('2027-03-31'));
    assert.ok(warning, `no warning with the retirement date: ${JSON.stringify(run.warnings)}`);
    assertMentions(warning, /retire/i);
    assert.equal(outputValue(run, 'BackupId'), emu.backups[0].Id);
  });

  it('VersionEOL 9999-12-31 (no date set): no retirement warning', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.ok(!run.warnings.some((w) => /retire/i.test(w)), JSON.stringify(run.warnings));
  });
});
