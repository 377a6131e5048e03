/**
 * Transient failures are retried inside retryBudgetSeconds; what cannot succeed in time stops at
 * once; the task always ends within budget + one request timeout.
 */
import { strict as assert } from 'node:assert';
import { createServer, type AddressInfo } from 'node:net';
import type { TaskRun } from '../support/agent';
import {
  assertInvariants,
  assertMentions,
  assertResult,
  describeRun,
  listRequests,
  outputValue,
  runLcsTask,
  singleError,
  tokenRequests,
  useEmulator,
} from './helpers';

/** A loopback port where nothing listens: taken from the OS, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The log lines about retries (one per retry). */
function retryLines(run: TaskRun): string[] {
  return run.plainLines.filter((l) => /attempt \d+ failed/.test(l));
}

describe('e2e: retries, throttling and timeouts', function () {
  const ctx = useEmulator();

  it('429 with Retry-After: 1, then the list: Succeeded after waiting about a second, one retry line', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 429, headers: { 'Retry-After': '1' }, body: { Message: 'Too many requests' } });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const lists = listRequests(emu);
    assert.equal(lists.length, 2);
    assert.ok(lists[1].at - lists[0].at >= 900, `retried after ${lists[1].at - lists[0].at} ms, Retry-After asked for 1 s`);
    const lines = retryLines(run);
    assert.equal(lines.length, 1, `retry lines: ${JSON.stringify(lines)}${describeRun(run)}`);
    assertMentions(lines[0], /attempt 1/, 'HTTP 429', /Retrying in 1(\.0)? s/);
    assert.equal(outputValue(run, 'BackupId'), emu.backups[0].Id);
  });

  it('503, 503, then the list: Succeeded after 3 list requests, one line per retry', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 503, body: 'Service Unavailable' }, { status: 503, body: 'Service Unavailable' });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(listRequests(emu).length, 3);
    const lines = retryLines(run);
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assertMentions(lines[0], /attempt 1/, 'HTTP 503', /Retrying in \d/);
    assertMentions(lines[1], /attempt 2/, 'HTTP 503', /Retrying in \d/);
  });

  it('503 from the token endpoint, then a token: Succeeded', async () => {
    const emu = ctx.emu;
    emu.tokenSteps.push({ status: 503, body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.' } });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(tokenRequests(emu).length, 2);
    assert.equal(listRequests(emu).length, 1);
    assert.equal(retryLines(run).length, 1);
    assertMentions(retryLines(run)[0], 'Microsoft Entra ID', 'HTTP 503');
  });

  it('Retry-After: 600 with retryBudgetSeconds 5: Failed at once, saying when LCS accepts requests again', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 429, headers: { 'Retry-After': '600' } });
    const started = Date.now();
    const run = await runLcsTask(emu, { inputs: { retryBudgetSeconds: '5', requestTimeoutSeconds: '2' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assert.ok(run.durationMs < 3_000, `took ${Math.round(run.durationMs)} ms; it should not wait for a retry it cannot make`);
    assert.equal(listRequests(emu).length, 1);
    const when = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)/.exec(message);
    assert.ok(when, `no time in: ${message}`);
    const at = Date.parse(when[1]);
    assert.ok(
      Math.abs(at - (started + 600_000)) < 30_000,
      `LCS accepts requests again at ${when[1]}, expected about ${new Date(started + 600_000).toISOString()}`,
    );
    assertMentions(message, /throttling/, /retryBudgetSeconds/);
  });

  it('Retry-After of 1e13 seconds from LCS: Failed at once, throttling beyond the budget (not "Invalid time value")', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 429, headers: { 'Retry-After': '10000000000000' } });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(
      message,
      /LCS \(127\.0\.0\.1:\d+\) is throttling requests \(HTTP 429\) and asks to wait more than a day/,
      /beyond what is left of the retry budget/,
    );
    assert.doesNotMatch(message, /Invalid time value|bug in the task/);
    assert.equal(listRequests(emu).length, 1);
  });

  // A typo in a host name used to cost the whole budget: 18 attempts over 5 minutes by default.
  it('a sign-in endpoint where nothing listens, default timeout and budget: Failed after 3 attempts, within 30 s, advice about the URL', async () => {
    const emu = ctx.emu;
    const port = await closedPort();
    const run = await runLcsTask(emu, {
      endpoint: { url: `https://127.0.0.1:${port}/organizations` },
      inputs: { requestTimeoutSeconds: undefined, retryBudgetSeconds: undefined },
      timeoutMs: 45_000,
    });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(
      message,
      `Could not reach Microsoft Entra ID at 127.0.0.1:${port} after 3 attempts: connection refused.`,
      'authentication endpoint (URL)',
      /firewall or proxy/,
    );
    assert.doesNotMatch(message, /requestTimeoutSeconds|retryBudgetSeconds/);
    assert.equal(retryLines(run).length, 2, describeRun(run));
    assert.ok(run.durationMs < 30_000, `took ${Math.round(run.durationMs)} ms`);
  });

  it('a list answer that never comes (timeout 1 s, budget 2 s): Failed with a timeout message within budget + timeout', async () => {
    const emu = ctx.emu;
    for (let i = 0; i < 10; i++) emu.lcsSteps.push({ hang: true });
    const run = await runLcsTask(emu, { inputs: { requestTimeoutSeconds: '1', retryBudgetSeconds: '2' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, /LCS/, /no complete answer within 1(\.0)? s|timed out|timeout/i);
    // Budget 2 s + one request timeout 1 s, plus ~3 s for process start, sign-in and slack.
    assert.ok(run.durationMs <= 2_000 + 1_000 + 3_000, `took ${Math.round(run.durationMs)} ms`);
    assert.ok(listRequests(emu).length >= 2, 'a timed-out request should be retried while the budget lasts');
  });

  it('a token answer that never comes (timeout 1 s, budget 2 s): Failed naming Entra ID, within budget + timeout', async () => {
    const emu = ctx.emu;
    for (let i = 0; i < 10; i++) emu.tokenSteps.push({ hang: true });
    const run = await runLcsTask(emu, { inputs: { requestTimeoutSeconds: '1', retryBudgetSeconds: '2' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'Microsoft Entra ID', /no complete answer within 1(\.0)? s/);
    assert.ok(run.durationMs <= 2_000 + 1_000 + 3_000, `took ${Math.round(run.durationMs)} ms`);
    assert.equal(listRequests(emu).length, 0);
  });

  it('a body cut mid-way, then the list: retried, Succeeded', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({
      status: 200,
      cut: true,
      body: { DatabaseAssets: emu.backups, IsSuccess: true, OperationActivityId: 'x', ErrorMessage: null, VersionEOL: '9999-12-31T23:59:59.9999999' },
    });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(listRequests(emu).length, 2);
    assert.equal(retryLines(run).length, 1, describeRun(run));
    assert.equal(outputValue(run, 'BackupId'), emu.backups[0].Id);
  });

  it('every body cut, retryBudgetSeconds 0: Failed after one attempt with a clear message', async () => {
    const emu = ctx.emu;
    for (let i = 0; i < 5; i++)
      emu.lcsSteps.push({ status: 200, cut: true, body: { DatabaseAssets: emu.backups, IsSuccess: true, OperationActivityId: 'x', ErrorMessage: null } });
    const run = await runLcsTask(emu, { inputs: { retryBudgetSeconds: '0', requestTimeoutSeconds: '2' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, /Could not reach LCS/, /cut short|connection (reset|closed|aborted)/);
    assert.equal(listRequests(emu).length, 1);
  });

  it('retryBudgetSeconds 0 and a 503: Failed after exactly one attempt', async () => {
    const emu = ctx.emu;
    emu.lcsSteps.push({ status: 503, body: 'Service Unavailable' }, { status: 503, body: 'Service Unavailable' });
    const run = await runLcsTask(emu, { inputs: { retryBudgetSeconds: '0' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'HTTP 503', /unavailable/i);
    assert.equal(listRequests(emu).length, 1);
    assert.equal(retryLines(run).length, 0);
  });
});
