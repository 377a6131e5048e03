/**
 * LcsDatabaseExport@1, bundled, against the emulator: start the export, wait for it through the
 * scripted states, find the new backup (never an older one with the same name) and publish it.
 */
import { strict as assert } from 'node:assert';
import { addOperation, htmlPage, lcsMessageTime, operationRefusal, operationStartBody, type Emulator, type RawBackup } from '../emulator/emulator';
import type { TaskRun } from '../support/agent';
import {
  ENV_PROD,
  ENV_UAT,
  PROJECT_ID,
  QUICK_WAIT,
  assertInvariants,
  assertMentions,
  assertResult,
  describeRun,
  assertTokenRenewed,
  expireTokensDuringWait,
  isoUtc,
  lcsRequests,
  lineIndex,
  outputValue,
  runLcsTask,
  sasExpiryIso,
  singleError,
  stateLines,
  tokenRequests,
  useEmulator,
  type E2eOptions,
} from './helpers';

const TASK = 'LcsDatabaseExportV1';
const BACKUP_NAME = 'UAT golden #42 (pipeline)';

function runExport(emu: Emulator, inputs: E2eOptions['inputs'] = {}, options: Omit<E2eOptions, 'task' | 'inputs'> = {}): Promise<TaskRun> {
  return runLcsTask(emu, { task: TASK, inputs: { environmentId: ENV_UAT, backupName: BACKUP_NAME, ...QUICK_WAIT, ...inputs }, ...options });
}

/** The backup the emulator created for the run's export. */
function exportedBackup(emu: Emulator): RawBackup {
  const backup = emu.operations[0]?.backup;
  assert.ok(backup, 'the emulator created no backup');
  return backup;
}

/** The new backup's outputs, the operation's outputs, FileLocation secret and registered before it is published. */
function assertPublished(run: TaskRun, emu: Emulator): void {
  assertResult(run, 'Succeeded');
  const backup = exportedBackup(emu);
  const operation = emu.operations[0];
  assert.equal(outputValue(run, 'OperationActivityId'), operation.activityId);
  assert.equal(outputValue(run, 'OperationStatus'), 'Completed');
  assert.equal(outputValue(run, 'CompletionDate'), new Date(operation.completedAt ?? 0).toISOString());
  assert.equal(outputValue(run, 'BackupId'), backup.Id);
  assert.equal(outputValue(run, 'BackupName'), backup.Name);
  assert.equal(outputValue(run, 'BackupFileName'), `${BACKUP_NAME}.bacpac`);
  assert.equal(outputValue(run, 'BackupCreatedDateTime'), isoUtc(backup.CreatedDateTime!));
  assert.equal(outputValue(run, 'FileLocationExpiresOn'), sasExpiryIso(backup.FileLocation!));
  assert.equal(outputValue(run, 'FileLocation'), backup.FileLocation);
  assert.equal(run.variables.FileLocation.isSecret, true);
  for (const name of ['OperationActivityId', 'OperationStatus', 'CompletionDate', 'BackupId', 'BackupName', 'FileLocationExpiresOn']) {
    assert.equal(run.variables[name].isSecret, false, `${name} should not be secret`);
  }
  const registered = lineIndex(run, /^##vso\[task\.setsecret\]https:\/\/.*blob\.core\.windows\.net/);
  const published = lineIndex(run, /^##vso\[task\.setvariable variable=FileLocation;/);
  assert.ok(registered >= 0 && registered < published, 'FileLocation must be registered as a secret before it is published');
  assert.ok(run.secrets.includes(backup.FileLocation!), 'the exported FileLocation is not registered as a secret');
}

/** An export through InProgress to Completed after `setup`, checked to have published its backup. */
async function exportPublished(emu: Emulator, setup: () => void, inputs: E2eOptions['inputs'] = {}): Promise<TaskRun> {
  emu.operationScript = ['InProgress', 'Completed'];
  setup();
  const run = await runExport(emu, inputs);
  assertInvariants(run, emu);
  assertPublished(run, emu);
  return run;
}

describe('e2e: LcsDatabaseExport@1', function () {
  const ctx = useEmulator();

  it('happy path: one export POST, status polled with the environment, the new backup published, FileLocation secret', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['NotStarted', 'InProgress', 'Completed'];
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);

    const exports = lcsRequests(emu, 'export');
    assert.equal(exports.length, 1);
    assert.equal(exports[0].method, 'POST');
    assert.equal(exports[0].path, `/databasemovement/v1/export/project/${PROJECT_ID}/environment/${ENV_UAT}/backupName/${encodeURIComponent(BACKUP_NAME)}`);
    assert.equal(exports[0].headers['x-ms-version'], '2017-09-15');
    assert.equal(emu.operations[0].backupName, BACKUP_NAME);
    const statuses = lcsRequests(emu, 'fetchstatus');
    assert.equal(statuses.length, 3, 'one status request per state, no more');
    for (const s of statuses) {
      assert.equal(s.method, 'GET');
      assert.equal(s.path, `/databasemovement/v1/fetchstatus/project/${PROJECT_ID}/environment/${ENV_UAT}/operationactivity/${emu.operations[0].activityId}`);
      assert.equal(s.headers['x-ms-version'], '2017-09-15');
    }
    for (let i = 1; i < statuses.length; i++) {
      assert.ok(statuses[i].at - statuses[i - 1].at >= 900, `status requests ${statuses[i].at - statuses[i - 1].at} ms apart; pollIntervalSeconds is 1`);
    }
    assert.equal(tokenRequests(emu).length, 1);

    // The activity id is printed and published as soon as the start returns, before the wait.
    const id = emu.operations[0].activityId;
    const published = lineIndex(run, new RegExp(`^##vso\\[task\\.setvariable variable=OperationActivityId;.*\\]${id}$`));
    const printed = lineIndex(run, new RegExp(`^[^#].*${id}`));
    assert.ok(published >= 0 && printed >= 0, describeRun(run));
    assert.ok(published < lineIndex(run, /\(after /) && printed < lineIndex(run, /\(after /), 'the activity id must come before the first state line');
    // One line per state change, with the time.
    assert.deepEqual(
      stateLines(run).map((l) => l.split(/\s+/)[2]),
      ['NotStarted', 'InProgress', 'Completed'],
      describeRun(run),
    );
  });

  for (const state of ['Failed', 'Aborted', 'RollbackFailed', 'RollbackCompleted']) {
    it(`state ${state}: Failed with the state and the activity id, no backup looked for`, async () => {
      const emu = ctx.emu;
      emu.operationScript = ['InProgress', state];
      const run = await runExport(emu);
      assertInvariants(run, emu);
      const message = singleError(run);
      const id = emu.operations[0].activityId;
      assertMentions(message, state, id);
      assert.equal(outputValue(run, 'OperationActivityId'), id);
      assert.equal(outputValue(run, 'OperationStatus'), state);
      assert.equal(run.variables.BackupId, undefined);
      assert.equal(lcsRequests(emu, 'databases').length, 1, 'only the list before the start');
      assert.equal(lcsRequests(emu, 'fetchstatus').length, 2);
    });
  }

  it('a state the task does not know keeps the wait going, warned once with its name and the timeout; no line per poll', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['PreServicing', 'PreServicing', 'InProgress', 'Completed'];
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 4);
    const unknown = run.warnings.filter((w) => /PreServicing/.test(w));
    assert.equal(unknown.length, 1, `the unknown state should be warned once: ${JSON.stringify(unknown)}`);
    assertMentions(unknown[0], "does not know, 'PreServicing'", 'ends at timeoutMinutes (30 s');
    assert.deepEqual(
      stateLines(run).map((l) => l.split(/\s+/)[2]),
      ['PreServicing', 'InProgress', 'Completed'],
    );
  });

  it('an older backup with the same name, listed before or only after the export, is never taken', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['Completed'];
    const now = Date.now();
    const older = (id: string, name: string, fileName: string, agoMs: number): RawBackup => ({
      ...emu.backups[4],
      Id: id,
      Name: name,
      FileName: fileName,
      CreatedDateTime: new Date(now - agoMs).toISOString().replace('Z', ''),
      ModifiedDateTime: new Date(now - agoMs).toISOString().replace('Z', ''),
    });
    // Same Name, listed from the start (2 minutes old: inside the clock-skew allowance, so only "known before" excludes it).
    emu.backups.push(older('11111111-1111-4111-8111-111111111111', BACKUP_NAME.toUpperCase(), 'other.bacpac', 2 * 60_000));
    // Same FileName, one day old, and LCS lists it only after the export completes.
    const late = older('22222222-2222-4222-8222-222222222222', 'something else', `${BACKUP_NAME}.bacpac`, 24 * 3_600_000);
    // Scripted list answers do not count towards the delay: the first default list after completion still lacks the new backup.
    emu.exportListingDelay = 1;
    emu.lcsSteps.push(
      { body: { DatabaseAssets: [...emu.backups], IsSuccess: true, OperationActivityId: '33333333-3333-4333-8333-333333333333', ErrorMessage: null } },
      { body: { DatabaseAssets: [...emu.backups, late], IsSuccess: true, OperationActivityId: '44444444-4444-4444-8444-444444444444', ErrorMessage: null } },
    );
    const run = await runExport(emu);
    assertInvariants(run, emu, { backups: [...emu.backups, late] });
    assertPublished(run, emu);
    // Before the start; then the late old one without the new one (step); once more without it (listing delay); then the new one.
    assert.equal(lcsRequests(emu, 'databases').length, 4, describeRun(run));
    assert.ok(
      run.plainLines.some((l) => /does not list its backup yet/.test(l)),
      describeRun(run),
    );
  });

  it('LCS lists the backup a few list requests late: listed again every poll interval until it appears', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['Completed'];
    emu.exportListingDelay = 2;
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);
    const lists = lcsRequests(emu, 'databases');
    assert.equal(lists.length, 4, 'one before the start, three after completion');
    assert.ok(lists[3].at - lists[2].at >= 900, 'lists again after pollIntervalSeconds');
    assert.equal(run.plainLines.filter((l) => /does not list its backup yet/.test(l)).length, 1);
  });

  it('the pending asset LCS lists while the export runs (empty FileLocation), still listed after it completed, is never published', async () => {
    const emu = ctx.emu;
    const run = await exportPublished(emu, () => (emu.exportListingDelay = 2));
    const op = emu.operations[0];
    assert.ok(op.pendingId, 'the emulator listed a pending asset');
    assert.equal(outputValue(run, 'BackupId'), op.pendingId, "the completed backup keeps the pending asset's Id");
    assert.equal(lcsRequests(emu, 'databases').length, 4, 'listed again while only the pending asset was there');
  });

  it('a pending asset whose FileLocation points to a blob not written yet: the completed backup is published, not the pending URL', async () => {
    const emu = ctx.emu;
    const pendingUrls: string[] = [];
    const run = await exportPublished(emu, () => {
      emu.pendingExportAsset = 'missingBlob';
      emu.listHook = () => pendingUrls.push(...emu.backups.filter((b) => b.Id === emu.operations[0]?.pendingId).map((b) => b.FileLocation ?? ''));
    });
    assert.ok(
      pendingUrls.some((u) => u.includes('/blobstore/backups/pending-')),
      'the pending asset was listed with a URL of a missing blob',
    );
    assert.doesNotMatch(outputValue(run, 'FileLocation'), /pending-/);
  });

  it('the export completed, then LCS 503s every list: Failed saying it completed, the backup name and operation id, never "run again"', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress', 'Completed'];
    emu.listStepsAfterExport.push(...Array.from({ length: 400 }, () => htmlPage(503)));
    const run = await runExport(emu, { timeoutMinutes: '0.25', retryBudgetSeconds: '2', requestTimeoutSeconds: '2' });
    assertInvariants(run, emu);
    assertResult(run, 'Failed');
    const op = emu.operations[0];
    const message = singleError(run);
    assertMentions(
      message,
      `The export completed (operation id ${op.activityId})`,
      `'${BACKUP_NAME}'`,
      'HTTP 503',
      'Do not run the export again',
      'Asset library',
      'LcsDatabaseBackups@1',
    );
    assert.doesNotMatch(message, /run the pipeline again/);
    assert.equal(outputValue(run, 'OperationActivityId'), op.activityId);
    assert.equal(outputValue(run, 'OperationStatus'), 'Completed');
    assert.ok(lcsRequests(emu, 'databases').length > 2, 'the list was tried again within the window');
    assert.ok(run.durationMs < 15_000 + 8_000, `ran ${run.durationMs} ms: the window counts inside timeoutMinutes (15 s)`);
  });

  it('a wait longer than the first retry budget: the requests after it get budgets of their own', async () => {
    const emu = ctx.emu;
    // The first budget (0 s retries + 2 s timeout) is spent after 2 s; the wait takes about 4.
    emu.operationScript = ['NotStarted', 'InProgress', 'InProgress', 'InProgress', 'Completed'];
    const run = await runExport(emu, { retryBudgetSeconds: '0', requestTimeoutSeconds: '2' });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assertPublished(run, emu);
  });

  it('LCS does not know the operation for a moment after the start: the first poll waits a grace, "not found" is not visible yet', async () => {
    const emu = ctx.emu;
    const run = await exportPublished(emu, () => (emu.statusVisibleAfterMs = 1500));
    const start = lcsRequests(emu, 'export')[0];
    const statuses = lcsRequests(emu, 'fetchstatus');
    assert.ok(statuses[0].at - start.at >= 900, `first status request ${statuses[0].at - start.at} ms after the start; the grace is the 1 s interval`);
    assert.ok(statuses.length >= 3, 'asked again after "not found"');
    assertMentions(run.stdout, /does not report on the operation yet/);
  });

  it('an environment id of 32 hex digits without dashes (as LCS shows some): sent as given, the backup published', async () => {
    const emu = ctx.emu;
    const undashed = ENV_UAT.replace(/-/g, '').toUpperCase();
    await exportPublished(emu, () => undefined, { environmentId: undashed });
    assert.equal(
      lcsRequests(emu, 'export')[0].path,
      `/databasemovement/v1/export/project/${PROJECT_ID}/environment/${undashed}/backupName/${encodeURIComponent(BACKUP_NAME)}`,
    );
    for (const s of lcsRequests(emu, 'fetchstatus')) assert.ok(s.path.includes(`/environment/${undashed}/`), s.path);
  });

  it('waitForCompletion false: exactly the token POST and the export POST; OperationActivityId published', async () => {
    const emu = ctx.emu;
    const run = await runExport(emu, { waitForCompletion: 'false' });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.deepEqual(
      emu.requests.map((r) => `${r.method} ${r.path.split('?')[0].split('/').slice(0, 4).join('/')}`),
      ['POST /organizations/oauth2/v2.0', 'POST /databasemovement/v1/export'],
    );
    assert.equal(outputValue(run, 'OperationActivityId'), emu.operations[0].activityId);
    assert.equal(emu.operations[0].polls, 0);
    assert.ok(
      run.plainLines.some((l) => l.includes('LcsDatabaseOperationStatus@1') && l.includes(emu.operations[0].activityId)),
      describeRun(run),
    );
  });

  it('throttled start: 429 with Retry-After 1, then accepted: one operation, the POST repeated after a second', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['Completed'];
    emu.startSteps.push({ status: 429, headers: { 'Retry-After': '1' }, body: { Message: 'Too many requests' } });
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);
    const exports = lcsRequests(emu, 'export');
    assert.equal(exports.length, 2);
    assert.ok(exports[1].at - exports[0].at >= 900, `repeated after ${exports[1].at - exports[0].at} ms`);
    assert.equal(emu.operations.length, 1);
  });

  it('the daily limit: its own message (the limit, when it resets, nothing started), exactly one POST, never retried', async () => {
    const emu = ctx.emu;
    for (let i = 0; i < 3; i++) addOperation(emu, { kind: 'export', environmentId: ENV_UAT, startedAt: Date.now() - (3 - i) * 3_600_000 });
    const resets = new Date(emu.operations[0].startedAt + 24 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const run = await runExport(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(
      message,
      `Maximum allowed API operations are 3 from ${lcsMessageTime(emu.operations[0].startedAt)}`,
      `end at ${resets} (in about 21 hours)`,
      /nothing was started/i,
      /3 database operations per environment in 24 hours/,
    );
    assert.equal(lcsRequests(emu, 'export').length, 1);
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 0);
    assert.equal(emu.operations.length, 3);
    assert.equal(run.variables.OperationActivityId, undefined, 'no operation, no OperationActivityId');
  });

  it("IsSuccess false on the start (another refusal): LCS's message and activity id, never retried", async () => {
    const emu = ctx.emu;
    emu.startSteps.push(operationRefusal('Environment is not in a state that allows this operation.', '55555555-5555-4555-8555-555555555555'));
    const run = await runExport(emu, { retryBudgetSeconds: '30' });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'Environment is not in a state that allows this operation', '55555555-5555-4555-8555-555555555555', /Deployed/);
    assert.equal(lcsRequests(emu, 'export').length, 1);
  });

  it('a 503 on the start is not retried (it may have started): Failed, telling to look at the History first', async () => {
    const emu = ctx.emu;
    emu.startSteps.push(htmlPage(503), htmlPage(503));
    const run = await runExport(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'HTTP 503', /may have started/, /History/);
    assert.equal(lcsRequests(emu, 'export').length, 1);
  });

  it('a production environment: LCS refuses, the message says why, one POST', async () => {
    const emu = ctx.emu;
    emu.environments[ENV_PROD] = { type: 'Production' };
    const run = await runExport(emu, { environmentId: ENV_PROD });
    assertInvariants(run, emu);
    assertMentions(singleError(run), /not supported for production/);
    assert.equal(lcsRequests(emu, 'export').length, 1);
  });

  it('429 and 5xx answers to status requests: the wait goes on and ends Completed', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress', 'Completed'];
    emu.statusSteps.push({ status: 429, headers: { 'Retry-After': '1' }, body: { Message: 'Too many requests' } }, htmlPage(503));
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 4);
    assert.equal(emu.operations[0].polls, 2);
  });

  it('a status request that fails for its whole budget is a warning, not the end of the wait', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress', 'Completed'];
    emu.statusSteps.push(htmlPage(502), { status: 200, cut: true, body: { IsSuccess: true, OperationStatus: 'InProgress', padding: 'x'.repeat(200) } });
    const run = await runExport(emu, { retryBudgetSeconds: '0' });
    assertInvariants(run, emu);
    assertPublished(run, emu);
    const warnings = run.warnings.filter((w) => /status request failed; the wait goes on/.test(w));
    assert.equal(warnings.length, 2, JSON.stringify(run.warnings));
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 4);
  });

  it('the token expires during the wait: renewed before it does (a second token request), no failure, no expired token used', async () => {
    const emu = ctx.emu;
    expireTokensDuringWait(emu);
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);
    assertTokenRenewed(run, emu);
  });

  it('Microsoft Entra ID unavailable (503 with its JSON error) when the token is renewed mid-wait: the wait rides it out', async () => {
    const emu = ctx.emu;
    expireTokensDuringWait(emu);
    emu.operationScript = ['NotStarted', ...Array.from({ length: 7 }, () => 'InProgress'), 'Completed'];
    const outage = {
      status: 503,
      body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033] },
    };
    let scripted = false;
    const run = await runExport(
      emu,
      { retryBudgetSeconds: '1' },
      {
        onLine: (line) => {
          if (!scripted && /^Waiting up to/.test(line)) {
            scripted = true;
            for (let i = 0; i < 4; i++) emu.tokenSteps.push(outage);
          }
        },
      },
    );
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.ok(
      run.warnings.some((w) => /A status request failed; the wait goes on/.test(w) && /AADSTS90033/.test(w)),
      describeRun(run),
    );
    assertTokenRenewed(run, emu);
  });

  it('a 401 during the wait: one token renewal, the status request repeated, no failure', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress', 'Completed'];
    emu.statusSteps.push({ status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });
    const run = await runExport(emu);
    assertInvariants(run, emu);
    assertPublished(run, emu);
    assert.equal(tokenRequests(emu).length, 2);
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 3);
  });

  it('timeout: Failed saying the export goes on in LCS and how to wait for it again; OperationActivityId published first', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['NotStarted', 'InProgress'];
    const run = await runExport(emu, { timeoutMinutes: '0.05' });
    assertInvariants(run, emu);
    const message = singleError(run);
    const id = emu.operations[0].activityId;
    assertMentions(message, /goes on in LCS|continues in LCS/, 'LcsDatabaseOperationStatus@1', id, ENV_UAT, 'timeoutMinutes', 'InProgress');
    assert.equal(outputValue(run, 'OperationActivityId'), id);
    assert.equal(outputValue(run, 'OperationStatus'), 'InProgress');
    assert.ok(lineIndex(run, /^##vso\[task\.setvariable variable=OperationActivityId;/) < lineIndex(run, /^##vso\[task\.complete/));
    const statuses = lcsRequests(emu, 'fetchstatus').length;
    assert.ok(statuses >= 3 && statuses <= 5, `${statuses} status requests in a 3 s wait polled every second`);
    assert.ok(run.durationMs < 3_000 + 4_000, `took ${Math.round(run.durationMs)} ms`);
  });

  it('cancellation (SIGINT) during the wait: exits within seconds, saying the export keeps running, with its activity id', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['InProgress'];
    const run = await runExport(emu, { timeoutMinutes: '5' }, { cancel: { afterLine: /\(after / } });
    assertInvariants(run, emu);
    assert.ok(run.cancelledAtMs !== undefined, `never cancelled${describeRun(run)}`);
    assert.deepEqual(run.signalsSent, ['SIGINT'], 'the task should exit on SIGINT, before the agent sends SIGTERM');
    assert.ok(run.durationMs - run.cancelledAtMs < 3_000, `exited ${Math.round(run.durationMs - run.cancelledAtMs)} ms after SIGINT`);
    const id = emu.operations[0].activityId;
    const said = [...run.warnings, ...run.errors, ...run.plainLines].filter((l) => l.includes(id) && /keeps running|goes on/.test(l));
    assert.ok(said.length >= 1, `no line says the export keeps running with its id${describeRun(run)}`);
    assert.ok(said.some((l) => l.includes('LcsDatabaseOperationStatus@1')));
    assert.equal(outputValue(run, 'OperationActivityId'), id);
    assert.notEqual(run.result?.result, 'Succeeded');
  });

  it('cancellation while a status request hangs: exits within seconds all the same', async () => {
    const emu = ctx.emu;
    emu.statusSteps.push({ hang: true });
    const run = await runExport(emu, { timeoutMinutes: '5', requestTimeoutSeconds: '30' }, { cancel: { afterLine: /^Waiting up to/, delayMs: 300 } });
    assertInvariants(run, emu);
    assert.ok(run.cancelledAtMs !== undefined, describeRun(run));
    assert.deepEqual(run.signalsSent, ['SIGINT']);
    assert.ok(run.durationMs - run.cancelledAtMs < 3_000, `exited ${Math.round(run.durationMs - run.cancelledAtMs)} ms after SIGINT`);
    assert.ok(
      run.warnings.some((w) => w.includes(emu.operations[0].activityId)),
      describeRun(run),
    );
  });

  it('cancellation while the start POST is in flight: Failed within seconds, saying the export may have started', async () => {
    const emu = ctx.emu;
    emu.startSteps.push({ delayMs: 4000, body: operationStartBody('11111111-2222-4333-8444-555555555555') });
    const run = await runExport(emu, {}, { cancel: { afterLine: /^Export:/, delayMs: 700 } });
    assertInvariants(run, emu);
    assert.ok(run.cancelledAtMs !== undefined, describeRun(run));
    assert.ok(run.durationMs - run.cancelledAtMs < 4_000, `exited ${Math.round(run.durationMs - run.cancelledAtMs)} ms after SIGINT`);
    assert.equal(run.result?.result, 'Failed', describeRun(run));
    assert.match(run.result!.message, /cancelled/i);
    assert.ok(
      run.warnings.some((w) => /may have started in LCS all the same/.test(w) && /History/.test(w)),
      describeRun(run),
    );
  });

  it("cancellation while the completed export's backup is not listed yet: says where the backup will show", async () => {
    const emu = ctx.emu;
    emu.operationScript = ['Completed'];
    emu.exportListingDelay = 100;
    const run = await runExport(emu, {}, { cancel: { afterLine: /does not list its backup yet/, delayMs: 200 } });
    assertInvariants(run, emu);
    assert.equal(run.result?.result, 'Failed', describeRun(run));
    assert.ok(
      run.warnings.some((w) => /the export completed \(operation id/.test(w) && /asset library/.test(w)),
      describeRun(run),
    );
  });

  it('a start whose answer never comes is not repeated (it may have started): Failed after one POST', async () => {
    const emu = ctx.emu;
    emu.startSteps.push({ hang: true }, { hang: true });
    const run = await runExport(emu, { requestTimeoutSeconds: '1', retryBudgetSeconds: '10' });
    assertInvariants(run, emu);
    assertMentions(singleError(run), /may have started/, /History/);
    assert.equal(lcsRequests(emu, 'export').length, 1);
    assert.ok(run.durationMs < 1_000 + 4_000, `took ${Math.round(run.durationMs)} ms`);
  });

  it('fileLocationIsSecret false: the exported FileLocation is a plain output, still printed nowhere else', async () => {
    const emu = ctx.emu;
    emu.operationScript = ['Completed'];
    const run = await runExport(emu, { fileLocationIsSecret: 'false' });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const backup = exportedBackup(emu);
    assert.equal(outputValue(run, 'FileLocation'), backup.FileLocation);
    assert.equal(run.variables.FileLocation.isSecret, false);
    assert.ok(!run.secrets.includes(backup.FileLocation!));
  });

  const badInputs: [string, Record<string, string>, (string | RegExp)[]][] = [
    ['environmentId that is not a GUID', { environmentId: 'UAT sandbox' }, ["'environmentId'", 'GUID']],
    ['backupName empty', { backupName: ' ' }, ["'backupName'"]],
    ['backupName with a /', { backupName: 'UAT/2026' }, ["'backupName'", '/']],
    ['backupName with a \\', { backupName: 'UAT\\2026' }, ["'backupName'", '\\']],
    ['backupName with a control character', { backupName: 'UAT\u0007golden' }, ["'backupName'", /control character/]],
    ['backupName over 100 characters', { backupName: 'x'.repeat(101) }, ["'backupName'", '100']],
    ['timeoutMinutes 0', { timeoutMinutes: '0' }, ["'timeoutMinutes'"]],
    ['pollIntervalSeconds 0.5', { pollIntervalSeconds: '0.5' }, ["'pollIntervalSeconds'"]],
    ['backupName with an unexpanded variable', { backupName: 'UAT-$(NightlyName)' }, ["Input 'backupName'", 'the variable $(NightlyName) was not expanded']],
    ['environmentId an unexpanded variable', { environmentId: '$(UatEnvironmentId)' }, ["Input 'environmentId'", 'not expanded']],
  ];
  for (const [title, inputs, mentions] of badInputs) {
    it(`input error before any request: ${title}`, async () => {
      const emu = ctx.emu;
      const run = await runExport(emu, inputs);
      assertInvariants(run, emu);
      assertMentions(singleError(run), ...mentions);
      assert.equal(emu.requests.length, 0);
    });
  }
});
