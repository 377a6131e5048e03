/**
 * Starting and waiting for an operation through common/wait with a descriptor that exists only
 * here: a fifth task's operation (an import) needs nothing in tasks/common. The LCS client is a
 * fake that answers with LCS's envelope, read by the real parseEnvelope; the clock is sinon's.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { OperationError, WaitEndedError } from '../../tasks/common/platform/errors';
import { LcsClient, LcsOperation, parseEnvelope } from '../../tasks/common/lcs/lcsClient';
import type { LcsSession } from '../../tasks/common/lcs/session';
import { DATABASE_MOVEMENT, OperationDescriptor } from '../../tasks/common/wait/operations';
import { StartSettings, startAndWait } from '../../tasks/common/wait/operationTask';
import { FakeHost } from '../support/fakeHost';
import { findRepoRoot } from '../support/repo';

interface ImportSettings {
  projectId: number;
  targetEnvironmentId: string;
  packageName: string;
}

const IMPORT: OperationDescriptor<ImportSettings> = {
  label: 'import',
  startPath: (s) => `${DATABASE_MOVEMENT}/import/project/${s.projectId}/target/${s.targetEnvironmentId}/package/${encodeURIComponent(s.packageName)}`,
  statusEnvironmentId: (s) => s.targetEnvironmentId,
  refusals: [{ when: /not empty/i, advice: 'Empty the target first.' }],
  otherRefusal: 'Check the target and the package.',
  ifNotFound: 'Check the project id and the target id.',
  ifUnauthorized: 'LCS refuses an import into this kind of environment.',
  howToWaitAgain: (ref) => `Run the import checker with ${ref.environmentId} and ${ref.activityId}.`,
  howToWaitLater: (ref) => `Later: the import checker with ${ref.activityId}.`,
};

const TARGET = 'e0000000-0000-4000-8000-000000000002';
const ACT = 'a0000000-0000-4000-8000-00000000000a';
const SETTINGS: ImportSettings & StartSettings = {
  projectId: 7,
  targetEnvironmentId: TARGET,
  packageName: 'UAT 1/2',
  waitForCompletion: true,
  timeoutMs: 3_600_000,
  pollIntervalMs: 60_000,
  retryBudgetMs: 300_000,
  requestTimeoutMs: 100_000,
};

interface Call {
  operation: LcsOperation;
  method: string;
  path: string;
}

/** A session whose client answers a start with `start` and each status request with the next state. */
function fakeSession(start: Record<string, unknown>, states: string[]): { session: LcsSession; calls: Call[] } {
  const calls: Call[] = [];
  let polls = 0;
  const client = {
    call: async (operation: LcsOperation, method: string, path: string) => {
      calls.push({ operation, method, path });
      const body = method === 'POST' ? start : { IsSuccess: true, OperationStatus: states[Math.min(polls++, states.length - 1)] };
      return parseEnvelope(JSON.stringify(body), 'application/json', operation);
    },
  } as unknown as LcsClient;
  return { session: { client, http: undefined } as unknown as LcsSession, calls };
}

describe("startAndWait with a descriptor of the test's own", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 11, 3, 8), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  async function run(host: FakeHost, session: LcsSession, settings = SETTINGS): Promise<Awaited<ReturnType<typeof startAndWait>> | Error> {
    const result = startAndWait(host, session, IMPORT, settings).then(
      (v) => v,
      (e: Error) => e,
    );
    await clock.runAllAsync();
    return result;
  }

  it('starts at its path, waits on its status environment, and the log calls it by its label', async () => {
    const host = new FakeHost({ inputs: {} });
    const { session, calls } = fakeSession({ IsSuccess: true, OperationActivityId: ACT.toUpperCase() }, ['InProgress', 'Completed']);
    const result = await run(host, session);
    assert.ok(!(result instanceof Error), String(result));
    assert.equal(result.final?.state, 'Completed');
    assert.deepEqual(result.ref, { label: 'import', projectId: 7, environmentId: TARGET, activityId: ACT });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      [
        `POST /databasemovement/v1/import/project/7/target/${TARGET}/package/UAT%201%2F2`,
        `GET /databasemovement/v1/fetchstatus/project/7/environment/${TARGET}/operationactivity/${ACT}`,
        `GET /databasemovement/v1/fetchstatus/project/7/environment/${TARGET}/operationactivity/${ACT}`,
      ],
    );
    const start = calls[0].operation;
    assert.equal(start.name, 'start import');
    assert.equal(start.startsWork, true, 'a start is never repeated after a lost answer');
    assert.equal(start.ifNotFound, IMPORT.ifNotFound);
    assert.equal(start.ifUnauthorized, IMPORT.ifUnauthorized);
    const log = host.text();
    assert.match(log, new RegExp(`Started the import: OperationActivityId ${ACT}`));
    assert.match(log, /import InProgress \(after 30 s\)/);
    assert.match(log, /import Completed/);
    assert.equal(host.outputs.get('OperationActivityId')?.value, ACT);
    assert.equal(host.outputs.get('OperationStatus')?.value, 'Completed');
  });

  it("not waiting: says how to wait later in the descriptor's words, and asks no status", async () => {
    const host = new FakeHost({ inputs: {} });
    const { session, calls } = fakeSession({ IsSuccess: true, OperationActivityId: ACT }, []);
    const result = await run(host, session, { ...SETTINGS, waitForCompletion: false });
    assert.ok(!(result instanceof Error), String(result));
    assert.equal(result.final, undefined);
    assert.equal(calls.length, 1);
    assert.match(host.text(), new RegExp(`Not waiting \\(waitForCompletion is false\\)\\. Later: the import checker with ${ACT}\\.`));
  });

  for (const [refusal, advice] of [
    ['The target database is not empty.', /^Empty the target first\.$/],
    ['Something else.', /^Check the target and the package\.$/],
    ['Maximum allowed API operations are 3 from 2026-12-03T07:00:00', /nothing was started/],
  ] as const) {
    it(`a refusal ('${refusal}') gets the descriptor's advice, the daily limit common's`, async () => {
      const { session } = fakeSession({ IsSuccess: false, ErrorMessage: refusal }, []);
      const result = await run(new FakeHost({ inputs: {} }), session);
      assert.ok(result instanceof OperationError, String(result));
      assert.match(result.message, new RegExp(`^LCS could not start the import: ${refusal.replace(/[.]/g, '\\.')}`));
      assert.match(result.advice ?? '', advice);
    });
  }

  it('a failure state and a timeout name the operation and say how to wait again in its words', async () => {
    const failed = await run(new FakeHost({ inputs: {} }), fakeSession({ IsSuccess: true, OperationActivityId: ACT }, ['Failed']).session);
    assert.ok(failed instanceof OperationError, String(failed));
    assert.match(failed.message, new RegExp(`^The import ended in state Failed \\(operation id ${ACT}\\)`));
    const timedOut = await run(new FakeHost({ inputs: {} }), fakeSession({ IsSuccess: true, OperationActivityId: ACT }, ['InProgress']).session);
    assert.ok(timedOut instanceof WaitEndedError, String(timedOut));
    assert.match(timedOut.userMessage, /^The import did not end within timeoutMinutes/);
    assert.match(timedOut.userMessage, new RegExp(`Run the import checker with ${TARGET} and ${ACT}\\.`));
  });
});

/** What in a source names a task or branches on one operation: a task's name, an operation's as a literal. */
function namesAnOperation(text: string): string[] {
  return [...text.matchAll(/Lcs[A-Za-z]+(?:@\d|V\d)|['"`](?:export|refresh)['"`]/g)].map((m) => m[0]);
}

describe('tasks/common/wait knows no particular operation', () => {
  it("names no task and compares with no operation's name", () => {
    const dir = path.join(findRepoRoot(__dirname), 'tasks', 'common', 'wait');
    const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));
    assert.ok(files.length >= 5, files.join(', '));
    const found = files.flatMap((name) => namesAnOperation(readFileSync(path.join(dir, name), 'utf8')).map((hit) => `${name}: ${hit}`));
    assert.deepEqual(found, []);
  });

  it('the check finds them (it can fail)', () => {
    assert.deepEqual(namesAnOperation("kind === 'refresh' ? 'run LcsDatabaseOperationStatus@1' : x; // LcsDatabaseExportV1"), [
      "'refresh'",
      'LcsDatabaseOperationStatus@1',
      'LcsDatabaseExportV1',
    ]);
  });
});
