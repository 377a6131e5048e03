/**
 * The bundled task on a working setup: both connection types, the outputs, the secrets, the two
 * HTTP requests and what a person reads (log table, chosen line, summary tab).
 */
import { strict as assert } from 'node:assert';
import { EMULATOR_PASSWORD, LCS_API_VERSION, type Emulator } from '../emulator/emulator';
import type { TaskRun } from '../support/agent';
import {
  ENDPOINT_ID,
  LIST_PATH,
  assertInvariants,
  assertResult,
  describeRun,
  isoUtc,
  listRequests,
  logTable,
  newestBy,
  outputValue,
  runLcsTask,
  sasExpiryIso,
  summaryOf,
  tokenRequests,
  unescapeMarkdown,
  useEmulator,
} from './helpers';

/** Everything a successful run with the sample backups must show. */
function assertPublishedNewest(run: TaskRun, emu: Emulator, fileLocationIsSecret = true): void {
  assertResult(run, 'Succeeded');
  const expected = newestBy(emu.backups, 'CreatedDateTime');
  // The samples are built so that the first one is the newest by creation.
  assert.equal(expected.Id, emu.backups[0].Id);
  assert.equal(outputValue(run, 'BackupId'), expected.Id);
  assert.equal(outputValue(run, 'BackupName'), expected.Name);
  assert.equal(outputValue(run, 'BackupFileName'), expected.FileName);
  assert.equal(outputValue(run, 'BackupCreatedDateTime'), isoUtc(expected.CreatedDateTime!));
  assert.match(outputValue(run, 'BackupCreatedDateTime'), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  assert.equal(outputValue(run, 'BackupCount'), String(emu.backups.length));
  assert.equal(outputValue(run, 'FileLocation'), expected.FileLocation);
  assert.equal(run.variables.FileLocation.isSecret, fileLocationIsSecret);
  assert.equal(outputValue(run, 'FileLocationExpiresOn'), sasExpiryIso(expected.FileLocation!));
  for (const name of ['BackupId', 'BackupName', 'BackupFileName', 'BackupCreatedDateTime', 'BackupCount', 'FileLocationExpiresOn']) {
    assert.equal(run.variables[name].isSecret, false, `${name} should not be secret`);
  }
}

describe('e2e: happy path', function () {
  const ctx = useEmulator();

  it('databaseMovement connection: publishes the newest backup with two HTTPS requests', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertPublishedNewest(run, emu);
    const chosen = newestBy(emu.backups, 'CreatedDateTime');

    // Every download URL is masked, not only the chosen one; so is the password.
    for (const backup of emu.backups) assert.ok(run.secrets.includes(backup.FileLocation!), `FileLocation of ${backup.Name} not registered as secret`);
    assert.ok(run.secrets.includes(EMULATOR_PASSWORD), 'password not registered as secret');
    assert.equal(emu.issuedTokens.length, 1);
    assert.ok(run.secrets.includes(emu.issuedTokens[0]), 'access token not registered as secret');

    // Exactly the token POST and the list GET, both to the emulator.
    const port = new URL(emu.url).port;
    assert.equal(emu.requests.length, 2, `requests: ${emu.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
    const [token, list] = emu.requests;
    assert.equal(token.method, 'POST');
    assert.match(token.path, /^\/organizations\/oauth2\/v2\.0\/token(\?|$)/);
    assert.equal(token.host, `127.0.0.1:${port}`);
    const form = new URLSearchParams(token.body);
    assert.equal(form.get('grant_type'), 'password');
    assert.ok((form.get('scope') ?? '').split(' ').includes(`${emu.apiUrl}//.default`), `scope was ${form.get('scope')}`);
    assert.equal(list.method, 'GET');
    assert.equal(list.path, LIST_PATH);
    assert.equal(list.host, `127.0.0.1:${port}`);
    assert.equal(list.headers['x-ms-version'], LCS_API_VERSION);
    assert.equal(list.headers.authorization, `Bearer ${emu.issuedTokens[0]}`);

    // The log: table with the newest first, then the chosen line.
    const table = logTable(run);
    assert.equal(table.rows.length, emu.backups.length);
    assert.match(table.rows[0], new RegExp(`^ > ${chosen.Name}`));
    assert.ok(
      run.plainLines.some((l) => l.startsWith(`Chosen: '${chosen.Name}'`) && l.includes(chosen.Id)),
      `no Chosen: line${describeRun(run)}`,
    );

    // The summary tab names the chosen backup.
    const summary = unescapeMarkdown(summaryOf(run));
    assert.ok(summary.includes(`**Chosen:** ${chosen.Name}`), summary);
  });

  it('finOpsTools connection type: same outputs from a Microsoft "Dynamics Lifecycle Services" connection', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, {
      inputs: { connectionType: 'finOpsTools', lcsConnection: undefined, finOpsToolsConnection: ENDPOINT_ID },
    });
    assertInvariants(run, emu);
    assertPublishedNewest(run, emu);
    assert.equal(tokenRequests(emu).length, 1);
    assert.equal(listRequests(emu).length, 1);
    assert.ok(
      run.plainLines.some((l) => l.includes('finOpsToolsConnection')),
      `log does not name the connection input${describeRun(run)}`,
    );
  });

  it('fileLocationIsSecret false: FileLocation is a plain output, still never printed in other lines', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { inputs: { fileLocationIsSecret: 'false' } });
    assertInvariants(run, emu);
    assertPublishedNewest(run, emu, false);
    for (const backup of emu.backups)
      assert.ok(!run.secrets.includes(backup.FileLocation!), 'FileLocation registered as secret although fileLocationIsSecret is false');
  });

  it('debug output appears only with system.debug, and leaks no secret either way', async () => {
    const emu = ctx.emu;
    // What the agent sets when it asks tasks to drop debug output unless system.debug is true.
    const quietAgent = { DISTRIBUTEDTASK_TASKS_NODE_SKIPDEBUGLOGSWHENDEBUGMODEOFF: 'true' };
    const quiet = await runLcsTask(emu, { env: quietAgent });
    assertInvariants(quiet, emu);
    assertPublishedNewest(quiet, emu);
    assert.ok(!quiet.debug.some((d) => /OperationActivityId/.test(d)), 'the task wrote debug output without system.debug');
    emu.reset();
    const verbose = await runLcsTask(emu, { env: { ...quietAgent, SYSTEM_DEBUG: 'true' } });
    assertInvariants(verbose, emu);
    assertPublishedNewest(verbose, emu);
    assert.ok(
      verbose.debug.some((d) => /LCS OperationActivityId: [0-9a-f-]{36}/.test(d)),
      JSON.stringify(verbose.debug.slice(-5)),
    );
  });
});
