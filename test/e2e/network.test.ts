/**
 * The agent's network settings: its proxy (CONNECT tunnel, credentials, bypass list) for both the
 * token and the list request, and its CA bundle setting next to NODE_EXTRA_CA_CERTS.
 */
import { strict as assert } from 'node:assert';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { startConnectProxy, type ConnectProxy } from '../emulator/proxy';
import { parseVsoLine, renderAgentLog, type TaskRun } from '../support/agent';
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

/**
 * The proxy password (and its encodings) appears in no line but its setsecret. One exception:
 * azure-pipelines-task-lib itself echoes `Agent.ProxyPassword=<value>` as debug output when it
 * loads (before any task code runs) and on every getVariable; the real agent masks that line
 * because it registers its proxy password with its secret masker before starting the task.
 */
function assertProxyPasswordHidden(run: TaskRun, username: string, password: string): void {
  const forms = [password, encodeURIComponent(password), Buffer.from(`${username}:${password}`).toString('base64')];
  for (const { text: line } of run.output) {
    if (line.startsWith('##vso[task.setsecret]') || line.startsWith('##vso[task.debug]Agent.ProxyPassword=')) continue;
    const command = parseVsoLine(line);
    const texts = command ? [line, command.message, ...Object.values(command.properties)] : [line];
    for (const text of texts) for (const form of forms) assert.ok(!text.includes(form), `the proxy password appears in: ${line}`);
  }
  assert.ok(run.secrets.includes(password), 'the proxy password is not registered as a secret');
}

describe('e2e: proxy and certificates', function () {
  const ctx = useEmulator();
  let proxy: ConnectProxy | undefined;

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('AGENT_PROXYURL: the token and the list request both go through the CONNECT proxy', async () => {
    const emu = ctx.emu;
    proxy = await startConnectProxy();
    const run = await runLcsTask(emu, { env: { AGENT_PROXYURL: proxy.url } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const target = `127.0.0.1:${new URL(emu.url).port}`;
    assert.deepEqual(
      proxy.connects.map((c) => [c.target, c.status]),
      [
        [target, 200],
        [target, 200],
      ],
      JSON.stringify(proxy.connects),
    );
    assert.equal(tokenRequests(emu).length, 1);
    assert.equal(listRequests(emu).length, 1);
    assert.equal(outputValue(run, 'BackupId'), emu.backups[0].Id);
  });

  it('a proxy that needs credentials: AGENT_PROXYUSERNAME/PASSWORD are sent, the password never printed', async () => {
    const emu = ctx.emu;
    const username = 'build-agent';
    const password = 'Pr0xy-Secret-4b9c';
    proxy = await startConnectProxy({ username, password });
    const run = await runLcsTask(emu, { env: { AGENT_PROXYURL: proxy.url, AGENT_PROXYUSERNAME: username, AGENT_PROXYPASSWORD: password } });
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    assertInvariants(run, emu);
    assertProxyPasswordHidden(run, username, password);
    assertResult(run, 'Succeeded');
    assert.equal(proxy.connects.length, 2);
    assert.ok(
      proxy.connects.every((c) => c.status === 200 && c.authorization === `Basic ${basic}`),
      JSON.stringify(proxy.connects),
    );
  });

  // task-lib's proxyFormattedUrl pastes the credentials in unencoded; the task encodes them itself.
  it('a DOMAIN\\user proxy account whose password has URL-reserved characters (@ : # % /) still authenticates', async () => {
    const emu = ctx.emu;
    const username = 'CONTOSO\\build agent';
    const password = 'p@ss:wo#rd%1/x';
    proxy = await startConnectProxy({ username, password });
    const run = await runLcsTask(emu, {
      env: { AGENT_PROXYURL: proxy.url, AGENT_PROXYUSERNAME: username, AGENT_PROXYPASSWORD: password },
      inputs: { retryBudgetSeconds: '1', requestTimeoutSeconds: '2' },
    });
    assertInvariants(run, emu);
    assertProxyPasswordHidden(run, username, password);
    assertResult(run, 'Succeeded');
    assert.equal(proxy.connects.filter((c) => c.status === 200).length, 2, JSON.stringify(proxy.connects));
  });

  // azure-pipelines-task-lib echoes Agent.ProxyUrl as debug output while it loads, before any
  // task code runs; the task registers the URL's password first, so the agent masks the echo.
  it('a proxy URL with the user name and password in it: authenticates, and the agent masks the password in every line', async () => {
    const emu = ctx.emu;
    const password = 'Pr0xy:Url@Secret-5d1';
    proxy = await startConnectProxy({ username: 'build-agent', password });
    const proxyUrl = proxy.url.replace('http://', `http://build-agent:${encodeURIComponent(password)}@`);
    const run = await runLcsTask(emu, { env: { AGENT_PROXYURL: proxyUrl, SYSTEM_DEBUG: 'true' } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.ok(
      proxy.connects.every((c) => c.status === 200),
      JSON.stringify(proxy.connects),
    );
    const log = renderAgentLog(run, { showDebug: true });
    for (const form of [password, encodeURIComponent(password)]) {
      assert.ok(!log.includes(form), `the proxy URL's password shows in the agent's log:\n${log}`);
    }
    assert.ok(log.includes('build-agent:***@'), "task-lib's echo of Agent.ProxyUrl is not in the log any more: this test checks nothing");
  });

  it('wrong proxy credentials: Failed with a message about the proxy (407)', async () => {
    const emu = ctx.emu;
    proxy = await startConnectProxy({ username: 'build-agent', password: 'the-right-one' });
    const wrong = 'Wrong-Proxy-Pass-77';
    const run = await runLcsTask(emu, { env: { AGENT_PROXYURL: proxy.url, AGENT_PROXYUSERNAME: 'build-agent', AGENT_PROXYPASSWORD: wrong } });
    assertInvariants(run, emu);
    assertProxyPasswordHidden(run, 'build-agent', wrong);
    const message = singleError(run);
    assertMentions(message, /proxy/i, '407');
    assert.equal(emu.requests.length, 0, 'a request got past the proxy');
    assert.equal(proxy.connects.length, 1, `407 must not be retried: ${JSON.stringify(proxy.connects)}`);
    assert.equal(proxy.connects[0].status, 407);
  });

  it('a proxy that accepts connections and never answers: the task still ends within budget + timeout', async () => {
    const emu = ctx.emu;
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const run = await runLcsTask(emu, {
        env: { AGENT_PROXYURL: `http://127.0.0.1:${port}` },
        inputs: { requestTimeoutSeconds: '1', retryBudgetSeconds: '2' },
        timeoutMs: 15_000,
      });
      assertInvariants(run, emu);
      assertResult(run, 'Failed');
      assertMentions(singleError(run), 'Microsoft Entra ID', /no complete answer within/);
      assert.ok(run.durationMs < (2 + 1 + 3) * 1000, `took ${run.durationMs} ms`);
      assert.equal(emu.requests.length, 0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("a proxy URL that is not a URL: one message about the agent's proxy setting, no request", async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { env: { AGENT_PROXYURL: 'not a url' } });
    assertInvariants(run, emu);
    assertResult(run, 'Failed');
    assertMentions(singleError(run), 'Agent.ProxyUrl', /not a valid URL/);
    assert.equal(emu.requests.length, 0);
  });

  it('AGENT_PROXYBYPASSLIST matching the host: no CONNECT, still Succeeded', async () => {
    const emu = ctx.emu;
    proxy = await startConnectProxy();
    const run = await runLcsTask(emu, { env: { AGENT_PROXYURL: proxy.url, AGENT_PROXYBYPASSLIST: '["127\\\\.0\\\\.0\\\\.1"]' } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(proxy.connects.length, 0, JSON.stringify(proxy.connects));
    assert.equal(emu.requests.length, 2);
  });

  it('the agent CA setting (AGENT_CAINFO) without NODE_EXTRA_CA_CERTS: Succeeded', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { caFile: null, env: { AGENT_CAINFO: emu.caFile } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(emu.requests.length, 2);
  });

  // https-proxy-agent applies its constructor options only to the proxy connection; TunnelAgent
  // passes the agent's CA to the TLS session tunnelled to the target as well.
  it('the agent CA setting together with a proxy: Succeeded through the tunnel', async () => {
    const emu = ctx.emu;
    proxy = await startConnectProxy();
    const run = await runLcsTask(emu, { caFile: null, env: { AGENT_CAINFO: emu.caFile, AGENT_PROXYURL: proxy.url } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assert.equal(proxy.connects.length, 2);
  });

  // Any earlier step can set NODE_TLS_REJECT_UNAUTHORIZED=0 for the rest of the job; Node would
  // then accept any certificate, for the password grant too. The task's connections do not.
  it('NODE_TLS_REJECT_UNAUTHORIZED=0 and no CA for the emulator: still Failed on the certificate, the password never sent', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, {
      caFile: null,
      env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' },
      inputs: { retryBudgetSeconds: '5', requestTimeoutSeconds: '2' },
    });
    assertInvariants(run, emu);
    assertMentions(singleError(run), /Could not verify the TLS certificate/, /never switched off/);
    assert.equal(emu.requests.length, 0, 'a request got through without a trusted certificate');
    assert.ok(
      run.warnings.some((w) => /NODE_TLS_REJECT_UNAUTHORIZED=0/.test(w) && /checks certificates regardless/.test(w)),
      JSON.stringify(run.warnings),
    );
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 through the proxy tunnel, no CA for the emulator: Failed on the certificate', async () => {
    const emu = ctx.emu;
    proxy = await startConnectProxy();
    const run = await runLcsTask(emu, {
      caFile: null,
      env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', AGENT_PROXYURL: proxy.url },
      inputs: { retryBudgetSeconds: '5', requestTimeoutSeconds: '2' },
    });
    assertInvariants(run, emu);
    assertMentions(singleError(run), /Could not verify the TLS certificate/, /never switched off/);
    assert.equal(emu.requests.length, 0, 'a request got through the tunnel without a trusted certificate');
    assert.ok(proxy.connects.length >= 1 && proxy.connects.every((c) => c.status === 200), JSON.stringify(proxy.connects));
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 with the agent CA setting: Succeeded (the CA is what makes it work)', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { caFile: null, env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', AGENT_CAINFO: emu.caFile } });
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
  });

  it('no CA for the emulator at all: Failed with a TLS certificate message, no retries', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { caFile: null, inputs: { retryBudgetSeconds: '5', requestTimeoutSeconds: '2' } });
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, /TLS certificate/, /certificate authority|CA/, /never switched off/);
    // The TLS handshake fails before any HTTP request is recorded, and it is not retried.
    assert.equal(emu.requests.length, 0);
    assert.ok(!run.plainLines.some((l) => /Retrying/.test(l)), describeRun(run));
    assert.ok(run.durationMs < 3_000, `took ${Math.round(run.durationMs)} ms`);
  });
});
