import { strict as assert } from 'node:assert';
import { rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { caFile } from '../../emulator/emulator';
import { agentEnvironment, interpretStdout, maskedValues, parseVsoCommands, renderAgentLog, runTask, type TaskRun } from '../../support/agent';

describe('agent harness', () => {
  it('parses ##vso commands and unescapes them like task-lib', () => {
    const stdout = [
      'plain text',
      '##vso[task.setvariable variable=Odd%3BName%5D;isOutput=true;issecret=false;]50%AZP25 done%0Anext; line]',
      'prefix ##vso[task.debug]x%AZP253By',
      '##vso[task.complete result=Failed;]boom',
    ].join('\r\n');
    const commands = parseVsoCommands(stdout);
    assert.equal(commands.length, 3);
    assert.deepEqual(commands[0].properties, { variable: 'Odd;Name]', isOutput: 'true', issecret: 'false' });
    assert.equal(commands[0].message, '50% done\nnext; line]');
    assert.equal(commands[1].command, 'task.debug');
    assert.equal(commands[1].message, 'x%3By');
    const run = interpretStdout(stdout);
    assert.deepEqual(run.variables['Odd;Name]'], { value: '50% done\nnext; line]', isSecret: false, isOutput: true });
    assert.deepEqual(run.result, { result: 'Failed', message: 'boom' });
    assert.deepEqual(run.plainLines, ['plain text']);
  });

  it('renders the log like the agent: masks secrets from registration on, hides commands', () => {
    const stdout = [
      'early https://blob/x?sig=abc',
      '##vso[task.setvariable variable=FileLocation;isOutput=true;issecret=true;]https://blob/x?sig=abc',
      'late https://blob/x?sig=abc and pw hunter2',
      '##vso[task.issue type=warning;]old backup',
      '##vso[task.debug]hidden',
      '##[error]bad',
    ].join('\n');
    const run: TaskRun = {
      ...interpretStdout(stdout),
      exitCode: 0,
      timedOut: false,
      durationMs: 1,
      stdout,
      stderr: '',
      output: [],
      agentSecrets: ['hunter2'],
      tempDir: '',
      workDir: '',
      signalsSent: [],
    };
    assert.equal(renderAgentLog(run), 'early https://blob/x?sig=abc\nlate *** and pw ***\nWARNING: old backup\nERROR: bad');
    assert.deepEqual(maskedValues(run).sort(), ['https://blob/x?sig=abc', 'hunter2']);
  });

  it('cancels like the agent: SIGINT after the line (and delayMs), then SIGTERM if the child is still there', async () => {
    const script = path.join(os.tmpdir(), `lcs-harness-cancel-${process.pid}.js`);
    writeFileSync(
      script,
      [
        "process.on('SIGINT', () => console.log('got SIGINT, ignoring it'));",
        "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(3); });",
        "console.log('before');",
        "setTimeout(() => console.log('operation started'), 50);",
        'setTimeout(() => undefined, 20000);',
      ].join('\n'),
    );
    const runs: TaskRun[] = [];
    try {
      const cancelled = await runTask({ script, inputs: {}, cancel: { afterLine: /^operation started$/, delayMs: 100, gapMs: 300 }, timeoutMs: 10_000 });
      runs.push(cancelled);
      assert.deepEqual(cancelled.signalsSent, ['SIGINT', 'SIGTERM']);
      assert.deepEqual(cancelled.lines, ['before', 'operation started', 'got SIGINT, ignoring it', 'got SIGTERM']);
      assert.equal(cancelled.exitCode, 3);
      assert.ok(cancelled.cancelledAtMs !== undefined && cancelled.cancelledAtMs >= 150 && cancelled.cancelledAtMs < cancelled.durationMs);
      assert.ok(cancelled.durationMs - cancelled.cancelledAtMs >= 280, 'SIGTERM follows after gapMs');

      const never = await runTask({ script, inputs: {}, cancel: { afterLine: /never printed/ }, timeoutMs: 1_000 });
      runs.push(never);
      assert.deepEqual([never.signalsSent, never.cancelledAtMs, never.timedOut], [[], undefined, true]);
    } finally {
      rmSync(script, { force: true });
      for (const run of runs) rmSync(run.tempDir, { recursive: true, force: true });
    }
  });

  it('gives the child a clean agent environment and collects its output', async function () {
    process.env.LCS_HARNESS_LEAK_CHECK = 'must-not-leak';
    const script = path.join(os.tmpdir(), `lcs-harness-${process.pid}.js`);
    writeFileSync(
      script,
      [
        'const keys = Object.keys(process.env).filter((k) => /^(INPUT_|ENDPOINT_|LCS_)/.test(k)).sort();',
        "console.log('keys ' + keys.join(','));",
        "console.log('##vso[task.setsecret]' + process.env.ENDPOINT_AUTH_PARAMETER_Conn_PASSWORD);",
        "console.log('auth ' + process.env.ENDPOINT_AUTH_Conn);",
        "console.error('to stderr');",
        "console.log('##vso[task.complete result=Succeeded;]done');",
      ].join('\n'),
    );
    let run: TaskRun | undefined;
    try {
      const opts = {
        script,
        inputs: { projectId: '42', 'odd name': 'x' },
        caFile,
        endpoints: { Conn: { url: 'https://login.example/organizations', username: 'u', password: 'p@ss', clientid: 'c', apiurl: 'https://api.example' } },
      };
      const env = agentEnvironment(opts, '/tmp/x');
      assert.equal(env.INPUT_ODD_NAME, 'x');
      assert.equal(env.ENDPOINT_DATA_Conn, '{"apiurl":"https://api.example"}');
      assert.equal(env.NODE_EXTRA_CA_CERTS, caFile);
      assert.equal(env.SYSTEM_DEBUG, undefined);
      run = await runTask(opts);
      assert.equal(run.exitCode, 0);
      assert.equal(
        run.lines[0],
        'keys ENDPOINT_AUTH_Conn,ENDPOINT_AUTH_PARAMETER_Conn_CLIENTID,ENDPOINT_AUTH_PARAMETER_Conn_PASSWORD,' +
          'ENDPOINT_AUTH_PARAMETER_Conn_USERNAME,ENDPOINT_AUTH_SCHEME_Conn,ENDPOINT_DATA_Conn,ENDPOINT_DATA_Conn_APIURL,ENDPOINT_URL_Conn,INPUT_ODD_NAME,INPUT_PROJECTID',
      );
      assert.deepEqual(JSON.parse(run.lines[2].slice('auth '.length)), {
        parameters: { username: 'u', password: 'p@ss', clientid: 'c' },
        scheme: 'UsernamePassword',
      });
      assert.deepEqual(run.secrets, ['p@ss']);
      assert.deepEqual(run.result, { result: 'Succeeded', message: 'done' });
      assert.equal(run.stderr, 'to stderr\n');
      assert.doesNotMatch(renderAgentLog(run), /p@ss/);
    } finally {
      delete process.env.LCS_HARNESS_LEAK_CHECK;
      rmSync(script, { force: true });
      if (run) rmSync(run.tempDir, { recursive: true, force: true });
    }
  });
});
