/**
 * LcsDatabaseOperationStatus@1, bundled, against the emulator: wait for (or look at) an operation
 * started elsewhere, by its activity id and the environment it runs on.
 */
import { strict as assert } from 'node:assert';
import { addOperation, type Emulator, type Operation } from '../emulator/emulator';
import type { TaskRun } from '../support/agent';
import {
  ENV_TEST,
  ENV_UAT,
  PROJECT_ID,
  QUICK_WAIT,
  assertInvariants,
  assertMentions,
  assertResult,
  describeRun,
  lcsRequests,
  outputValue,
  runLcsTask,
  singleError,
  stateLines,
  tokenRequests,
  useEmulator,
  type E2eOptions,
} from './helpers';

const TASK = 'LcsDatabaseOperationStatusV1';

function runStatus(
  emu: Emulator,
  operation: Pick<Operation, 'environmentId' | 'activityId'>,
  inputs: E2eOptions['inputs'] = {},
  options: Omit<E2eOptions, 'task' | 'inputs'> = {},
): Promise<TaskRun> {
  return runLcsTask(emu, {
    task: TASK,
    inputs: { environmentId: operation.environmentId, operationActivityId: operation.activityId, ...QUICK_WAIT, ...inputs },
    ...options,
  });
}

/** A refresh someone started elsewhere onto ENV_UAT, walking through `script`. */
function startedElsewhere(emu: Emulator, script: string[]): Operation {
  return addOperation(emu, { kind: 'refresh', environmentId: ENV_UAT, sourceId: ENV_TEST, script, startedAt: Date.now() - 3_600_000 });
}

describe('e2e: LcsDatabaseOperationStatus@1', function () {
  const ctx = useEmulator();

  it('waits until the operation completes; ids given in upper case still match; outputs OperationStatus and CompletionDate', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['InProgress', 'InProgress', 'Completed']);
    const run = await runStatus(emu, { environmentId: op.environmentId.toUpperCase(), activityId: op.activityId.toUpperCase() });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'OperationStatus'), 'Completed');
    assert.equal(outputValue(run, 'CompletionDate'), new Date(op.completedAt ?? 0).toISOString());
    const statuses = lcsRequests(emu, 'fetchstatus');
    assert.equal(statuses.length, 3);
    assert.match(
      statuses[0].path,
      new RegExp(`^/databasemovement/v1/fetchstatus/project/${PROJECT_ID}/environment/${ENV_UAT}/operationactivity/${op.activityId}$`, 'i'),
    );
    assert.equal(emu.requests.length, 4, 'the token POST and the status requests, nothing else');
    assert.deepEqual(
      stateLines(run).map((l) => l.split(/\s+/)[2]),
      ['InProgress', 'Completed'],
      describeRun(run),
    );
  });

  it('ids written without dashes match an operation LCS lists with dashes', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['Completed']);
    const run = await runStatus(emu, { environmentId: op.environmentId.replace(/-/g, ''), activityId: op.activityId.replace(/-/g, '') });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'OperationStatus'), 'Completed');
    assert.ok(lcsRequests(emu, 'fetchstatus')[0].path.endsWith(`/operationactivity/${op.activityId.replace(/-/g, '')}`));
  });

  it('waitForCompletion false: exactly one status request; a running operation succeeds with its state and no CompletionDate', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['InProgress', 'Completed']);
    const run = await runStatus(emu, op, { waitForCompletion: 'false' });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(lcsRequests(emu, 'fetchstatus').length, 1);
    assert.equal(tokenRequests(emu).length, 1);
    assert.equal(outputValue(run, 'OperationStatus'), 'InProgress');
    assert.equal(outputValue(run, 'CompletionDate'), '');
  });

  it('waitForCompletion false on a completed operation: its CompletionDate as ISO 8601 with Z', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['SignedOff']);
    op.completedAt = Date.parse('2026-11-29T10:15:42.123Z');
    const run = await runStatus(emu, op, { waitForCompletion: 'false' });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(outputValue(run, 'OperationStatus'), 'SignedOff');
    assert.equal(outputValue(run, 'CompletionDate'), '2026-11-29T10:15:42.123Z');
  });

  for (const state of ['Failed', 'RollbackCompleted']) {
    it(`waitForCompletion false on state ${state}: Failed with the state and the activity id, after one request`, async () => {
      const emu = ctx.emu;
      const op = startedElsewhere(emu, [state]);
      const run = await runStatus(emu, op, { waitForCompletion: 'false' });
      assertInvariants(run, emu);
      assertMentions(singleError(run), state, op.activityId);
      assert.equal(outputValue(run, 'OperationStatus'), state);
      assert.equal(lcsRequests(emu, 'fetchstatus').length, 1);
    });
  }

  it('waiting, an unknown state then Aborted: the unknown state warned once, Failed naming Aborted and the id', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['PostServicing', 'PostServicing', 'Aborted']);
    const run = await runStatus(emu, op);
    assertInvariants(run, emu);
    assertMentions(singleError(run), 'Aborted', op.activityId);
    assert.equal(run.warnings.filter((l) => /does not know, 'PostServicing'.*timeoutMinutes/.test(l)).length, 1, describeRun(run));
  });

  for (const waitForCompletion of ['true', 'false']) {
    it(`IsSuccess false (operation not found in that environment), waitForCompletion ${waitForCompletion}: LCS's message at once, one request`, async () => {
      const emu = ctx.emu;
      const op = startedElsewhere(emu, ['InProgress']);
      // The refresh runs on its target: asking with the source environment finds nothing.
      const run = await runStatus(emu, { environmentId: ENV_TEST, activityId: op.activityId }, { waitForCompletion, timeoutMinutes: '5' });
      assertInvariants(run, emu);
      const message = singleError(run);
      assertMentions(
        message,
        /not found/,
        op.activityId,
        /target environment/,
        /\(request id [0-9a-f-]{36}; Microsoft support asks for it\)/,
        'the operation id (operationActivityId)',
      );
      assert.doesNotMatch(
        message,
        /OperationActivityId [0-9a-f]|LcsDatabaseOperationStatus@1/,
        "the status call's id is the request id; this is the status task",
      );
      assert.equal(lcsRequests(emu, 'fetchstatus').length, 1);
      assert.ok(run.durationMs < 5_000, `took ${Math.round(run.durationMs)} ms; it must not wait for the timeout`);
    });
  }

  it('timeout: Failed saying the operation goes on, how to wait again', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['InProgress']);
    const run = await runStatus(emu, op, { timeoutMinutes: '0.03' });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, /goes on in LCS|continues in LCS/, `operation id ${op.activityId}`, 'run this step again', ENV_UAT, 'raise timeoutMinutes');
    assert.doesNotMatch(message, /LcsDatabaseOperationStatus@1/, 'the status task does not tell the user to run the status task');
    assert.equal(outputValue(run, 'OperationStatus'), 'InProgress');
  });

  it('cancellation while waiting: exits on SIGINT within seconds, saying the operation keeps running', async () => {
    const emu = ctx.emu;
    const op = startedElsewhere(emu, ['InProgress']);
    const run = await runStatus(emu, op, { timeoutMinutes: '5' }, { cancel: { afterLine: /\(after / } });
    assertInvariants(run, emu);
    assert.ok(run.cancelledAtMs !== undefined, describeRun(run));
    assert.deepEqual(run.signalsSent, ['SIGINT']);
    assert.ok(run.durationMs - run.cancelledAtMs < 3_000, `exited ${Math.round(run.durationMs - run.cancelledAtMs)} ms after SIGINT`);
    assert.ok(
      [...run.warnings, ...run.errors].some((l) => l.includes(op.activityId) && /keeps running|goes on/.test(l)),
      describeRun(run),
    );
  });

  const badInputs: [string, Record<string, string>, (string | RegExp)[]][] = [
    ['operationActivityId that is not a GUID', { operationActivityId: 'last export' }, ["'operationActivityId'", 'GUID']],
    ['operationActivityId empty', { operationActivityId: '' }, ["'operationActivityId'"]],
    ['environmentId that is not a GUID', { environmentId: '12345' }, ["'environmentId'", 'GUID']],
    ['timeoutMinutes negative', { timeoutMinutes: '-1' }, ["'timeoutMinutes'"]],
    // Issue 22: an unexpanded variable gets its own advice for every input.
    [
      'operationActivityId an unexpanded variable',
      { operationActivityId: '$(operationId)' },
      ["Input 'operationActivityId' is '$(operationId)'", 'not expanded', 'dependencies', 'copy the operation id from LCS'],
    ],
    [
      'projectId an unexpanded variable',
      { projectId: '$(LcsProjectId)' },
      ["Input 'projectId' is '$(LcsProjectId)'", 'not expanded', 'copy the project id from LCS'],
    ],
    ['environmentId an unexpanded variable', { environmentId: '$(env.id)' }, ["Input 'environmentId'", 'not expanded', 'dependencies']],
    ['pollIntervalSeconds an unexpanded variable', { pollIntervalSeconds: '$(poll)' }, ["Input 'pollIntervalSeconds'", 'not expanded']],
  ];
  for (const [title, inputs, mentions] of badInputs) {
    it(`input error before any request: ${title}`, async () => {
      const emu = ctx.emu;
      const run = await runStatus(emu, { environmentId: ENV_UAT, activityId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a' }, inputs);
      assertInvariants(run, emu);
      assertMentions(singleError(run), ...mentions);
      assert.equal(emu.requests.length, 0);
    });
  }
});
