/**
 * The LCS operations: paths, the status answer, refusal advice, starts that must not be
 * repeated.
 */
import { strict as assert } from 'node:assert';
import { LcsApiError, OperationError, ThrottledError, TransportError } from '../../tasks/common/platform/errors';
import { LcsClient, LcsEnvelope, parseEnvelope } from '../../tasks/common/lcs/lcsClient';
import { dailyLimitAdvice, parseStatus, refusalAdvice, startOperation, startOperationAt, statusPath } from '../../tasks/common/wait/operations';
import { EXPORT, exportPath } from '../../tasks/LcsDatabaseExportV1/exportOperation';
import { REFRESH, refreshPath } from '../../tasks/LcsDatabaseRefreshV1/refreshOperation';

const ENV = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const ENV2 = '1a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const ACT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function envelope(body: Record<string, unknown>): LcsEnvelope {
  return { body: { IsSuccess: true, ...body }, operationActivityId: body.OperationActivityId as string | undefined };
}

describe('LCS operations', () => {
  it('builds the documented paths; the backup name is one percent-encoded segment', () => {
    assert.equal(exportPath(12, ENV, 'UAT 2026/11?#%'), `/databasemovement/v1/export/project/12/environment/${ENV}/backupName/UAT%202026%2F11%3F%23%25`);
    assert.equal(refreshPath(12, ENV, ENV2), `/databasemovement/v1/refresh/project/12/source/${ENV}/target/${ENV2}`);
    assert.equal(
      statusPath({ projectId: 12, environmentId: ENV2, activityId: ACT }),
      `/databasemovement/v1/fetchstatus/project/12/environment/${ENV2}/operationactivity/${ACT}`,
    );
  });

  it('reads a status answer: the state, and CompletionDate as UTC', () => {
    const answer = parseStatus(
      envelope({ OperationActivityId: 'status-call-id', ActivityId: ACT, OperationStatus: 'Completed', CompletionDate: '2026-11-29T10:15:42.123' }),
    );
    assert.equal(answer.state, 'Completed');
    assert.equal(answer.completionDate?.epochMs, Date.UTC(2026, 10, 29, 10, 15, 42, 123));
    assert.equal(parseStatus(envelope({ OperationStatus: 'InProgress', CompletionDate: null })).completionDate, undefined);
    assert.throws(() => parseStatus(envelope({ OperationStatus: null })), LcsApiError);
  });

  it('a state carrying agent commands is neutralized', () => {
    assert.doesNotMatch(parseStatus(envelope({ OperationStatus: 'x ##vso[task.setvariable variable=a]b' })).state, /##vso\[/);
  });

  it('the daily limit gets its own advice: nothing started, when it resets', () => {
    // Microsoft's documented text ("Database movement API throttling").
    const documented = 'Maximum allowed API operations are 3 from 2019-09-30T04:01:01.9999999';
    const advice = dailyLimitAdvice(documented, Date.parse('2019-09-30T22:00:00Z'));
    assert.match(advice, /3 database operations per environment in 24 hours \(those started in the LCS portal count too\), and nothing was started/);
    assert.match(advice, /counted from 2019-09-30T04:01:01Z end at 2019-10-01T04:01:01Z \(in about 6 hours\)/);
    assert.match(dailyLimitAdvice(documented, Date.parse('2019-10-01T03:50:00Z')), /\(in about 11 minutes\)/);
    assert.match(dailyLimitAdvice(documented, Date.parse('2019-10-02T00:00:00Z')), /\(now\)/);
    assert.match(refusalAdvice(EXPORT, documented), /end at 2019-10-01T04:01:01Z/);
    // An older wording with its own "try after" is still read.
    assert.match(
      refusalAdvice(EXPORT, 'Maximum allowed API operations are 3 from today. Please try after 11/30/2026 08:00:00 AM.'),
      /after 11\/30\/2026 08:00:00 AM/,
    );
    assert.match(refusalAdvice(REFRESH, 'Maximum allowed API operations are 5 from today.'), /allows 5 database operations/);
    const envelopeError = (() => {
      try {
        parseEnvelope(
          JSON.stringify({ IsSuccess: false, ErrorMessage: 'Maximum allowed API operations are 3 from now', OperationActivityId: ACT }),
          'application/json',
          startOperation(EXPORT),
        );
      } catch (e) {
        return e as LcsApiError;
      }
      return undefined;
    })();
    assert.match(envelopeError!.userMessage, /LCS could not start the export: Maximum allowed API operations .* nothing was started/);
  });

  it('refresh refusals get advice: not a sandbox, tier 1, state', () => {
    assert.match(refusalAdvice(REFRESH, 'Target environment is not a sandbox environment'), /only replace a sandbox/);
    assert.match(refusalAdvice(REFRESH, 'Database refresh is not supported for this environment type'), /Tier-1/);
    assert.match(refusalAdvice(REFRESH, 'Environment is not in a state that allows this operation'), /state that does not allow servicing/);
  });

  describe('startOperationAt', () => {
    const fakeClient = (result: () => Promise<LcsEnvelope>): LcsClient => ({ call: result }) as unknown as LcsClient;

    it('returns the activity id in lower case', async () => {
      assert.equal(
        await startOperationAt(
          fakeClient(async () => envelope({ OperationActivityId: ACT.toUpperCase() })),
          EXPORT,
          '/x',
        ),
        ACT,
      );
    });

    it("a refusal is an OperationError with LCS's message", async () => {
      const refused = new LcsApiError('LCS could not start the export: no.', 'Advice.', 200);
      await assert.rejects(
        startOperationAt(
          fakeClient(async () => Promise.reject(refused)),
          EXPORT,
          '/x',
        ),
        (e: unknown) => e instanceof OperationError && /no\./.test(e.message),
      );
    });

    it('a lost answer says the operation may have started', async () => {
      const lost = new TransportError('Could not reach LCS: no complete answer within 100 s.', 'Check.');
      await assert.rejects(
        startOperationAt(
          fakeClient(async () => Promise.reject(lost)),
          REFRESH,
          '/x',
        ),
        (e: unknown) => e instanceof OperationError && /may have started even so/.test(e.userMessage),
      );
    });

    it("a garbled answer (not LCS's envelope) may also mean it started", async () => {
      const garbled = new LcsApiError('LCS answered HTTP 200 with 78 bytes of text/html that is not JSON.', 'Proxy?', 200, true);
      await assert.rejects(
        startOperationAt(
          fakeClient(async () => Promise.reject(garbled)),
          EXPORT,
          '/x',
        ),
        (e: unknown) => e instanceof OperationError && /may have started even so/.test(e.userMessage),
      );
    });

    it('throttling (429) means nothing was started', async () => {
      const throttled = new ThrottledError('LCS (h) is throttling requests (HTTP 429) and will accept requests again at ...', 'Run again later.');
      await assert.rejects(
        startOperationAt(
          fakeClient(async () => Promise.reject(throttled)),
          EXPORT,
          '/x',
        ),
        (e: unknown) => e instanceof OperationError && /nothing was started/.test(e.userMessage) && !/may have started/.test(e.userMessage),
      );
      const exhausted = new ThrottledError('LCS (lcsapi.lcs.dynamics.com) is throttling requests (HTTP 429) after 5 attempts.', 'Wait.');
      await assert.rejects(
        startOperationAt(
          fakeClient(async () => Promise.reject(exhausted)),
          EXPORT,
          '/x',
        ),
        (e: unknown) => e instanceof OperationError && /nothing was started/.test(e.userMessage),
      );
    });

    it('an answer without a valid activity id fails readably', async () => {
      await assert.rejects(
        startOperationAt(
          fakeClient(async () => envelope({ OperationActivityId: 'x ##vso[' })),
          EXPORT,
          '/x',
        ),
        /without a valid OperationActivityId/,
      );
    });
  });
});
