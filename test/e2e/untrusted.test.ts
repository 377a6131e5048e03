/**
 * Text from LCS is untrusted: backup names, file names and error messages must not become agent
 * commands in the log, and must not break the Markdown of the summary tab.
 */
import { strict as assert } from 'node:assert';
import { lcsFailure, type RawBackup } from '../emulator/emulator';
import type { TaskRun } from '../support/agent';
import { parseVsoLine } from '../support/agent';
import {
  assertInvariants,
  assertMentions,
  assertResult,
  hasUnescapedLink,
  outputValue,
  runLcsTask,
  singleError,
  summaryOf,
  unescapedPipes,
  useEmulator,
} from './helpers';

const MINUTE_MS = 60_000;

function hostile(base: RawBackup, index: number, changes: Partial<RawBackup>, createdAgoMs: number): RawBackup {
  const created = new Date(Date.now() - createdAgoMs).toISOString().replace('Z', '');
  return {
    ...base,
    Id: `6e1b2c3d-4e5f-4a6b-8c7d-${String(index).padStart(12, '0')}`,
    CreatedDateTime: created,
    ModifiedDateTime: created,
    FileLocation: base.FileLocation!.replace('sp=r', `sp=r&n=${index}`),
    ...changes,
  };
}

/** No line runs a command it was not meant to: `##vso[` only at the start of a line, once; no `##[` formatting. */
function assertNoInjectedCommands(run: TaskRun): void {
  for (const line of run.output.map((l) => l.text)) {
    const lower = line.toLowerCase();
    const first = lower.indexOf('##vso[');
    assert.ok(first <= 0, `##vso[ in the middle of a line: ${line}`);
    assert.ok(first < 0 || lower.indexOf('##vso[', first + 1) < 0, `two ##vso[ in one line: ${line}`);
    assert.ok(!line.startsWith('##['), `a formatting command in the log: ${line}`);
    const command = parseVsoLine(line);
    if (command?.command.toLowerCase() === 'task.setvariable') {
      assert.notEqual((command.properties.variable ?? '').toLowerCase(), 'injected', line);
    }
  }
  assert.equal(run.variables.Injected, undefined, 'variable Injected was set');
  // The agent would execute a setvariable for Injected found anywhere but in a line it already parsed as another command.
  for (const line of run.output.map((l) => l.text)) {
    if (line.startsWith('##vso[task.setvariable variable=')) continue;
    assert.ok(!line.includes('##vso[task.setvariable variable=Injected'), `injection survived: ${line}`);
  }
}

describe('e2e: untrusted text from LCS', function () {
  const ctx = useEmulator();

  it('backup names and file names carrying agent commands set nothing and change no result', async () => {
    const emu = ctx.emu;
    const base = emu.backups[0];
    const injectedName = '##vso[task.setvariable variable=Injected]owned';
    emu.backups.push(
      // The newest: it is chosen, so its name reaches the table, the Chosen line, the summary and BackupName.
      hostile(base, 1, { Name: injectedName, FileName: '##vso[task.setvariable variable=Injected]file.bacpac' }, 5 * MINUTE_MS),
      hostile(base, 2, { Name: 'Error file', FileName: '##[error]fake failure.bacpac' }, 10 * MINUTE_MS),
      hostile(
        base,
        3,
        { Name: 'Line break\n##vso[task.complete result=Failed]done', FileName: 'x\r\n##vso[task.setvariable variable=Injected]2' },
        15 * MINUTE_MS,
      ),
      hostile(
        base,
        4,
        { Name: 'Unicode sep\u2028##vso[task.setvariable variable=Injected]3', FileDescription: '##vso[task.setvariable variable=Injected]4' },
        20 * MINUTE_MS,
      ),
    );
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assertNoInjectedCommands(run);
    assert.equal(run.errors.length, 0, `error issues: ${JSON.stringify(run.errors)}`);
    assert.equal(outputValue(run, 'BackupId'), '6e1b2c3d-4e5f-4a6b-8c7d-000000000001');
    // The published name is neutralized too: a later step that echoes $(lcs.BackupName) must not run it.
    assert.ok(!outputValue(run, 'BackupName').toLowerCase().includes('##vso['), outputValue(run, 'BackupName'));
    assert.ok(outputValue(run, 'BackupName').includes('owned'));
    assert.ok(!outputValue(run, 'BackupFileName').toLowerCase().includes('##vso['));
    // The names are still shown, in a harmless form.
    assert.ok(
      run.plainLines.some((l) => l.includes('Injected]owned')),
      'the hostile name is not shown at all',
    );
  });

  it('an Id that is not a GUID and a FileLocation that is not a URL are skipped, and the placeholder is not masked', async () => {
    const emu = ctx.emu;
    const base = emu.backups[0];
    emu.backups.push(
      hostile(base, 1, { Id: 'x ##vso[task.setvariable variable=Injected]owned', Name: 'Hostile id' }, 1 * MINUTE_MS),
      hostile(base, 2, { FileLocation: 'N/A', Name: 'Still exporting' }, 2 * MINUTE_MS),
    );
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    assertNoInjectedCommands(run);
    assert.ok(!/##vso\[/i.test(outputValue(run, 'BackupId')));
    assert.match(outputValue(run, 'BackupId'), /^[0-9a-f-]{36}$/i);
    assert.ok(
      run.warnings.some((w) => /Hostile id/.test(w) && /Id is not a safe token/.test(w)),
      JSON.stringify(run.warnings),
    );
    assert.ok(
      run.warnings.some((w) => /Still exporting/.test(w) && /not an https:\/\/ download URL/.test(w)),
      JSON.stringify(run.warnings),
    );
    assert.ok(!run.secrets.includes('N/A'), 'a placeholder must not become a secret: the agent would mask "N/A" everywhere');
  });

  // new URL() accepts each of these FileLocations (it drops tabs and line breaks): published or
  // registered as a secret, they would set variables in a later step or make the agent print them.
  for (const fileLocationIsSecret of ['true', 'false']) {
    it(`FileLocations that parse but are not exactly a URL are skipped, never published or registered (fileLocationIsSecret ${fileLocationIsSecret})`, async () => {
      const emu = ctx.emu;
      const base = emu.backups[0];
      const good = base.FileLocation!;
      emu.backups.push(
        hostile(base, 1, { Name: 'Line break', FileLocation: `${good}\n##vso[task.setvariable variable=Injected]owned` }, 1 * MINUTE_MS),
        hostile(base, 2, { Name: 'No space', FileLocation: `${good}##vso[task.prependpath]/tmp/evil` }, 2 * MINUTE_MS),
        hostile(base, 3, { Name: 'Tab', FileLocation: good.replace('sig=', 'sig=\t') }, 3 * MINUTE_MS),
      );
      const run = await runLcsTask(emu, { inputs: { fileLocationIsSecret } });
      assertInvariants(run, emu);
      assertResult(run, 'Succeeded');
      assertNoInjectedCommands(run);
      assert.equal(outputValue(run, 'FileLocation'), good);
      assert.equal(outputValue(run, 'BackupId'), base.Id);
      for (const name of ['Line break', 'No space', 'Tab']) {
        assert.ok(
          run.warnings.some((w) => w.includes(`'${name}'`) && /not an https:\/\/ download URL/.test(w)),
          `${name}: ${JSON.stringify(run.warnings)}`,
        );
      }
      assert.ok(
        run.secrets.every((secret) => !/[\r\n\t#]/.test(secret)),
        `a secret with a line break, tab or #: ${JSON.stringify(run.secrets)}`,
      );
      assert.ok(!run.output.some((l) => l.text.includes('prependpath')), 'the hostile FileLocation reached a line');
    });
  }

  it('bidirectional and zero-width characters in names reach no log line, summary or output', async () => {
    const emu = ctx.emu;
    const base = emu.backups[0];
    emu.backups.push(hostile(base, 1, { Name: 'UAT \u202eexe.gnp\u202c copy\u200b', FileName: 'uat\u2066\u200d\ufeff.bacpac' }, 1 * MINUTE_MS));
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const invisible = /[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/;
    for (const { text } of run.output) assert.doesNotMatch(text, invisible, `in the log: ${JSON.stringify(text)}`);
    assert.doesNotMatch(summaryOf(run), invisible);
    assert.equal(outputValue(run, 'BackupName'), 'UAT <U+202E>exe.gnp<U+202C> copy<U+200B>');
    assert.equal(outputValue(run, 'BackupFileName'), 'uat<U+2066><U+200D><U+FEFF>.bacpac');
  });

  it('IsSuccess false with an ErrorMessage carrying agent commands: the failure message is neutralized', async () => {
    const emu = ctx.emu;
    const activity = '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
    emu.lcsSteps.push(lcsFailure('Denied ##vso[task.setvariable variable=Injected]owned\n##vso[task.complete result=Succeeded]ok ##[error]x', activity));
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertNoInjectedCommands(run);
    assertMentions(message, 'Denied', activity);
    assert.ok(!message.toLowerCase().includes('##vso['), message);
    assert.ok(!message.includes('##['), message);
    assert.ok(!run.result!.message.toLowerCase().includes('##vso['), run.result!.message);
  });

  it('summary tab: a name with | and a Markdown link cannot break the table or add a link', async () => {
    const emu = ctx.emu;
    const base = emu.backups[0];
    emu.backups.push(
      hostile(
        base,
        5,
        { Name: 'Evil | name [x](https://evil.example) ![i](https://evil.example/i.png) <b>x</b>', FileName: 'a|b\\|c`d`.bacpac' },
        5 * MINUTE_MS,
      ),
      hostile(base, 6, { Name: 'back\\slash | pipe\\', FileName: 'plain.bacpac' }, 6 * MINUTE_MS),
    );
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    assertResult(run, 'Succeeded');
    const summary = summaryOf(run);
    const lines = summary.split('\n');
    const headerIndex = lines.findIndex((l) => /^\| *\| *Name *\| *File name *\|/.test(l));
    assert.ok(headerIndex >= 0, summary);
    const pipes = unescapedPipes(lines[headerIndex]);
    assert.equal(pipes, 7);
    const rows: string[] = [];
    for (const line of lines.slice(headerIndex + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(line);
    }
    assert.equal(rows.length, emu.backups.length, summary);
    for (const row of rows) {
      assert.equal(unescapedPipes(row), pipes, `row breaks the table: ${row}`);
      assert.ok(!hasUnescapedLink(row), `row has a link: ${row}`);
      assert.ok(!/<b>/.test(row), `row has raw HTML: ${row}`);
    }
    for (const line of lines) assert.ok(!hasUnescapedLink(line) || !line.includes('evil.example'), `link outside the table: ${line}`);
  });
});
