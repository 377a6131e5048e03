/**
 * LcsDatabaseRefresh@1, bundled, against the emulator: it overwrites the target's database, so
 * mistakes fail before any request, the log says what is overwritten by what, LCS's refusals get
 * advice, and the wait (status with the TARGET id) behaves as the export's does.
 */
import { strict as assert } from 'node:assert';
import { addOperation, type Emulator } from '../emulator/emulator';
import type { TaskRun } from '../support/agent';
import {
  ENV_PROD,
  ENV_UAT,
  PROJECT_ID,
  QUICK_WAIT,
  assertInvariants,
  assertTokenRenewed,
  assertMentions,
  assertResult,
  describeRun,
  lcsRequests,
  lineIndex,
  outputValue,
  runLcsTask,
  singleError,
  stateLines,
  tokenRequests,
  useEmulator,
  expireTokensDuringWait,
  type E2eOptions,
} from './helpers';

const TASK = 'LcsDatabaseRefreshV1';

function runRefresh(emu: Emulator, inputs: E2eOptions['inputs'] = {}, options: Omit<E2eOptions, 'task' | 'inputs'> = {}): Promise<TaskRun> {
  return runLcsTask(emu, { task: TASK, inputs: { sourceEnvironmentId: ENV_PROD, targetEnvironmentId: ENV_UAT, ...QUICK_WAIT, ...inputs }, ...options });
}

describe('e2e: LcsDatabaseRefresh@1', function () {
  const ctx = useEmulator();

  it('happy path: says what is overwritten by what before the request, one POST, status with the TARGET id, outputs', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['NotStarted', 'InProgress', 'Completed'];
    // Copying from production is what refreshes are for: only the target must be a sandbox.
    emu.environments[ENV_PROD] = { type: 'Production' };
    const run = await runRefresh(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const op = emu.operations[0];
    assert.deepEqual([op.kind, op.sourceId, op.environmentId], ['refresh', ENV_PROD, ENV_UAT]);
    assert.equal(outputValue(run, 'OperationActivityId'), op.activityId);
    assert.equal(outputValue(run, 'OperationStatus'), 'Completed');
    assert.equal(outputValue(run, 'CompletionDate'), new Date(op.completedAt ?? 0).toISOString());

    const refreshes = lcsRequests(emu, 'refresh');
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0].method, 'POST');
    assert.equal(refreshes[0].path, `/databasemovement/v1/refresh/project/${PROJECT_ID}/source/${ENV_PROD}/target/${ENV_UAT}`);
    assert.equal(refreshes[0].headers['x-ms-version'], '2017-09-15');
    const statuses = lcsRequests(emu, 'fetchstatus');
    assert.equal(statuses.length, 3);
    for (const s of statuses) assert.ok(s.path.includes(`/environment/${ENV_UAT}/operationactivity/${op.activityId}`), s.path);
    assert.equal(lcsRequests(emu, 'databases').length, 0, 'a refresh lists no backups');

    // Before the request, one line names the target as overwritten and the source as copied.
    const said = lineIndex(
      run,
      new RegExp(`${ENV_UAT}.*(target|overwritten|replaced).*${ENV_PROD}|${ENV_PROD}.*${ENV_UAT}.*(target|overwritten|replaced)`, 'i'),
    );
    assert.ok(said >= 0, `no line says ${ENV_UAT} is overwritten by ${ENV_PROD}${describeRun(run)}`);
    assert.match(run.lines[said], /REPLACED|overwritten/i);
    assert.ok(said < lineIndex(run, /Started the refresh/), 'the overwrite must be announced before the refresh starts');
    assert.deepEqual(
      stateLines(run).map((l) => l.split(/\s+/)[1]),
      ['refresh', 'refresh', 'refresh'],
    );
  });

  it('source equal to target written without dashes: input error before any request', async () => {
    const emu = ctx.emu;
    const run = await runRefresh(emu, { sourceEnvironmentId: ENV_UAT.replace(/-/g, ''), targetEnvironmentId: ENV_UAT.toUpperCase() });
    assertInvariants(run, emu);
    assertMentions(singleError(run), "'sourceEnvironmentId'", "'targetEnvironmentId'", /same environment/);
    assert.equal(emu.requests.length, 0);
  });

  it('ids of 32 hex digits without dashes: sent as given, status with the target id as given, Succeeded', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress', 'Completed'];
    const [source, target] = [ENV_PROD.replace(/-/g, ''), ENV_UAT.replace(/-/g, '')];
    const run = await runRefresh(emu, { sourceEnvironmentId: source, targetEnvironmentId: target });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(lcsRequests(emu, 'refresh')[0].path, `/databasemovement/v1/refresh/project/${PROJECT_ID}/source/${source}/target/${target}`);
    for (const s of lcsRequests(emu, 'fetchstatus')) assert.ok(s.path.includes(`/environment/${target}/operationactivity/`), s.path);
  });

  it('source equal to target (GUIDs in different case): input error before any request', async () => {
    const emu = ctx.emu;
    const run = await runRefresh(emu, { sourceEnvironmentId: ENV_UAT.toUpperCase(), targetEnvironmentId: ENV_UAT });
    assertInvariants(run, emu);
    assertMentions(singleError(run), "'sourceEnvironmentId'", "'targetEnvironmentId'", /same environment/);
    assert.equal(emu.requests.length, 0);
  });

  for (const [input, value] of [
    ['sourceEnvironmentId', 'Production'],
    ['targetEnvironmentId', '6f1a2b3c-4d5e-4f60-8a7b'],
  ] as const) {
    it(`${input} that is not a GUID ('${value}'): input error naming it, before any request`, async () => {
      const emu = ctx.emu;
      const run = await runRefresh(emu, { [input]: value });
      assertInvariants(run, emu);
      assertMentions(singleError(run), `'${input}'`, 'GUID');
      assert.equal(emu.requests.length, 0);
    });
  }

  const refusals: [string, Record<string, { type?: 'Sandbox' | 'Production' | 'DevTest'; state?: 'Deployed' | 'Servicing' }>, (string | RegExp)[]][] = [
    ['a production target', { [ENV_UAT]: { type: 'Production' } }, ['not a sandbox', /targetEnvironmentId is a sandbox/]],
    ['a target being serviced', { [ENV_UAT]: { state: 'Servicing' } }, ['not in a state that allows', /wait until it is Deployed/]],
  ];
  for (const [title, environments, mentions] of refusals) {
    it(`LCS refuses ${title}: LCS's message with clear advice, one POST, no wait`, async () => {
      const emu = ctx.emu;
      emu.environments = environments;
      const run = await runRefresh(emu);
      assertInvariants(run, emu);
      const message = singleError(run);
      assertMentions(message, ...mentions);
      assert.match(message, /OperationActivityId [0-9a-f-]{36}/, "LCS's activity id is quoted");
      assert.equal(lcsRequests(emu, 'refresh').length, 1);
      assert.equal(lcsRequests(emu, 'fetchstatus').length, 0);
      assert.equal(run.variables.OperationActivityId, undefined);
    });
  }

  it('a tier-1 target: LCS answers 401 whatever the token; one renewal, then both causes named, no wait', async () => {
    const emu = ctx.emu;
    emu.environments = { [ENV_UAT]: { type: 'DevTest' } };
    const run = await runRefresh(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Failed');
    assertMentions(singleError(run), 'HTTP 401', 'start refresh', 'fresh access token', /geography/, /cloud-hosted \(Tier-1\)/, 'Nothing was started');
    assert.equal(lcsRequests(emu, 'refresh').length, 2, 'the start once more with a fresh token, no more');
    assert.equal(tokenRequests(emu).length, 2);
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 0);
  });

  it('the daily limit on the target: its own message, when it resets, one POST never retried', async () => {
    const emu = ctx.emu;
    for (let i = 0; i < 3; i++) addOperation(emu, { kind: 'export', environmentId: ENV_UAT, startedAt: Date.now() - 5 * 3_600_000 + i * 60_000 });
    const run = await runRefresh(emu, { retryBudgetSeconds: '30' });
    assertInvariants(run, emu);
    assertMentions(
      singleError(run),
      'Maximum allowed API operations are 3',
      `end at ${new Date(emu.operations[0].startedAt + 24 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')} (in about`,
      /nothing was started/i,
    );
    assert.equal(lcsRequests(emu, 'refresh').length, 1);
  });

  it('throttled start: 429 with Retry-After 1, then accepted: one operation', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['Completed'];
    emu.startSteps.push({ status: 429, headers: { 'Retry-After': '1' } });
    const run = await runRefresh(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(lcsRequests(emu, 'refresh').length, 2);
    assert.equal(emu.operations.length, 1);
  });

  for (const state of ['Failed', 'RollbackCompleted']) {
    it(`state ${state}: Failed with the state and the activity id`, async () => {
      const emu = ctx.emu;
      emu.operationScript = ['InProgress', state];
      const run = await runRefresh(emu);
      assertInvariants(run, emu);
      assertMentions(singleError(run), state, emu.operations[0].activityId);
      assert.equal(outputValue(run, 'OperationStatus'), state);
    });
  }

  it('the token expires during the wait: renewed, no failure, every request with a live token', async () => {
    const emu = ctx.emu;
    expireTokensDuringWait(emu);
    const run = await runRefresh(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assertTokenRenewed(run, emu);
  });

  it('waitForCompletion false: exactly the token POST and the refresh POST', async () => {
    const emu = ctx.emu;
    const run = await runRefresh(emu, { waitForCompletion: 'false' });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(emu.requests.length, 2);
    assert.equal(tokenRequests(emu).length, 1);
    assert.equal(lcsRequests(emu, 'refresh').length, 1);
    assert.equal(outputValue(run, 'OperationActivityId'), emu.operations[0].activityId);
  });

  it('timeout: how to wait again names the TARGET environment and the activity id', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress'];
    const run = await runRefresh(emu, { timeoutMinutes: '0.03' });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'LcsDatabaseOperationStatus@1', `environmentId ${ENV_UAT}`, emu.operations[0].activityId);
    assert.ok(!message.includes(`environmentId ${ENV_PROD}`), 'the status of a refresh is fetched with the target, not the source');
  });
});
