/** Telling the backup an export created from older ones with the same name. */
import { strict as assert } from 'node:assert';
import * as sinon from 'sinon';
import { SelectionError, TransportError } from '../../../tasks/common/platform/errors';
import type { LcsSession } from '../../../tasks/common/lcs/session';
import { FakeHost } from '../../support/fakeHost';
import { toDatabaseAsset } from '../../../tasks/common/lcs/databaseAssets';
import {
  CLOCK_SKEW_MS,
  LISTING_BUDGET_MS,
  awaitExportedBackup,
  findExportedBackup,
  hasBackupName,
  sameNameIds,
  type ListingRequest,
} from '../../../tasks/LcsDatabaseExportV1/exportedBackup';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);
const lcs = (ms: number): string => new Date(ms).toISOString().replace('Z', '');
const asset = (id: string, name: string, createdMs: number, fileName = `${name}.bacpac`) =>
  toDatabaseAsset({
    Id: id,
    Name: name,
    FileName: fileName,
    FileLocation: `https://a.blob.core.windows.net/c/${id}?sv=1&sig=s`,
    CreatedDateTime: lcs(createdMs),
  });

describe('the exported backup', () => {
  it('matches the name, or the file name without .bacpac, ignoring case', () => {
    assert.ok(hasBackupName(asset('1', 'UAT-42', START), 'uat-42'));
    assert.ok(hasBackupName(asset('1', 'other', START, 'UAT-42.bacpac'), 'UAT-42'));
    assert.ok(!hasBackupName(asset('1', 'UAT-421', START), 'UAT-42'));
  });

  it('never takes a backup that had the name before the start, however new its date', () => {
    const old = asset('old-1', 'UAT', START + 60_000);
    const before = sameNameIds([old], 'UAT');
    assert.equal(findExportedBackup([old], 'UAT', before, START), undefined);
    const fresh = asset('new-1', 'UAT', START + 3_600_000);
    assert.equal(findExportedBackup([old, fresh], 'UAT', before, START)?.id, 'new-1');
  });

  it('never takes one created before the start (beyond the clock skew allowance)', () => {
    const older = asset('x', 'UAT', START - CLOCK_SKEW_MS - 1000);
    assert.equal(findExportedBackup([older], 'UAT', new Set(), START), undefined);
    const skewed = asset('y', 'UAT', START - 60_000);
    assert.equal(findExportedBackup([older, skewed], 'UAT', new Set(), START)?.id, 'y');
  });

  it('skips a match that cannot be handed on (no download URL)', () => {
    const noUrl = toDatabaseAsset({ Id: 'z', Name: 'UAT', FileName: 'UAT.bacpac', FileLocation: 'N/A', CreatedDateTime: lcs(START + 1000) });
    assert.equal(findExportedBackup([noUrl], 'UAT', new Set(), START), undefined);
  });
});

describe('waiting for LCS to list the exported backup', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  /** A session whose list answers come from `lists` in turn (the last repeats); counts the lists. */
  function session(lists: (() => unknown[])[]): { session: LcsSession; count: () => number } {
    let n = 0;
    const client = {
      call: async () => ({ body: { IsSuccess: true, DatabaseAssets: lists[Math.min(n++, lists.length - 1)]() } }),
    };
    return { session: { client } as unknown as LcsSession, count: () => n };
  }

  /** What the export task asks for after its export completed; the tests change one or two fields. */
  const listing = (change: Partial<ListingRequest> = {}): ListingRequest => ({
    projectId: 1,
    backupName: 'UAT',
    before: new Set(),
    startedAtMs: START,
    activityId: 'a',
    pollIntervalMs: 60_000,
    deadlineMs: Infinity,
    retryBudgetMs: 300_000,
    requestTimeoutMs: 100_000,
    ...change,
  });

  const raw = (createdMs: number) => ({
    Id: 'new-1',
    Name: 'UAT',
    FileName: 'UAT.bacpac',
    FileLocation: 'https://a.blob.core.windows.net/c/new-1?sv=1&sig=s',
    CreatedDateTime: lcs(createdMs),
  });

  it('with a poll interval of 5 minutes, lists again at the end of the budget instead of giving up after one list', async () => {
    const s = session([() => [], () => [raw(START + 1000)]]);
    const found = awaitExportedBackup(new FakeHost({ inputs: {} }), s.session, listing({ pollIntervalMs: 300_000 }));
    await clock.tickAsync(LISTING_BUDGET_MS);
    assert.equal((await found).id, 'new-1');
    assert.equal(s.count(), 2);
  });

  it('gives up after the budget with the number of lists it made', async () => {
    const s = session([() => []]);
    const result = awaitExportedBackup(new FakeHost({ inputs: {} }), s.session, listing()).then(
      (v) => v,
      (e: Error) => e,
    );
    await clock.tickAsync(LISTING_BUDGET_MS + 1000);
    const error = await result;
    assert.ok(error instanceof SelectionError, String(error));
    assert.match(error.message, /within 5 min \(6 lists\)/);
    assert.match(error.userMessage, /Do not run the export again/);
  });

  it("ends with the wait's deadline (timeoutMinutes), not 5 minutes after it", async () => {
    const s = session([() => []]);
    const result = awaitExportedBackup(new FakeHost({ inputs: {} }), s.session, listing({ deadlineMs: START + 90_000 })).then(
      (v) => v,
      (e: Error) => e,
    );
    await clock.tickAsync(LISTING_BUDGET_MS + 1000);
    const error = await result;
    assert.ok(error instanceof SelectionError, String(error));
    assert.match(error.message, /within 1 min \(3 lists\)/);
  });

  it('a list that fails (LCS 503) is tried again in the window; at its end: the export completed, where its backup is', async () => {
    let n = 0;
    const client = {
      call: async () => {
        n++;
        throw new TransportError(
          'LCS (lcsapi.lcs.dynamics.com) is unavailable (HTTP 503) after 3 attempts.',
          'This is usually temporary: run the pipeline again later.',
        );
      },
    };
    const host = new FakeHost({ inputs: {} });
    const result = awaitExportedBackup(host, { client } as unknown as LcsSession, listing({ activityId: 'a1' })).then(
      (v) => v,
      (e: Error) => e,
    );
    await clock.tickAsync(LISTING_BUDGET_MS + 1000);
    const error = await result;
    assert.ok(error instanceof SelectionError, String(error));
    assert.equal(n, 6);
    assert.match(
      error.userMessage,
      /^The export completed \(operation id a1\), but listing the project's backups to find 'UAT' failed: LCS \(lcsapi\.lcs\.dynamics\.com\) is unavailable \(HTTP 503\)/,
    );
    assert.match(error.userMessage, /Do not run the export again.*Asset library.*LcsDatabaseBackups@1 and nameFilter 'UAT'/);
    assert.doesNotMatch(error.userMessage, /run the pipeline again/);
  });
});
