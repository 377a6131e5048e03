/**
 * LcsDatabaseBackups@1's task function run in this process under a FakeHost, against the
 * emulator over HTTPS: the fast, debuggable twin of the black-box e2e tests.
 */
import { strict as assert } from 'node:assert';
import { EMULATOR_PASSWORD, type Emulator } from '../emulator/emulator';
import { emulatorHost } from './support';
import { useEmulator } from '../support/useEmulator';
import { executeTask } from '../../tasks/common/platform/runner';
import { findNewestBackup } from '../../tasks/LcsDatabaseBackupsV1/findNewestBackup';

let ctx: { readonly emu: Emulator };
const hostFor = (inputs: Record<string, string> = {}) => emulatorHost(ctx.emu, inputs);

describe('in-process: LcsDatabaseBackups@1 under a fake host', () => {
  ctx = useEmulator();

  it('publishes the newest backup and masks the token and every download URL', async () => {
    const host = hostFor();
    await executeTask(findNewestBackup, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    assert.match(host.outputs.get('BackupId')!.value, /^[0-9a-f-]{36}$/);
    assert.equal(host.outputs.get('FileLocation')!.isSecret, true);
    const usable = ctx.emu.backups.filter((b) => typeof b.FileLocation === 'string' && b.FileLocation.startsWith('https://'));
    const newest = [...usable].sort((a, b) => String(b.CreatedDateTime).localeCompare(String(a.CreatedDateTime)))[0];
    assert.equal(host.outputs.get('BackupId')!.value, newest.Id);
    assert.equal(host.outputs.get('BackupCount')!.value, String(usable.length));
    for (const secret of [EMULATOR_PASSWORD, host.outputs.get('FileLocation')!.value]) {
      assert.ok(!host.text().includes(secret), 'a secret reached the log');
    }
    assert.ok(host.secrets.has(host.outputs.get('FileLocation')!.value));
    assert.ok(
      host.lines.some((l) => l.text.startsWith('Output variables: BackupId, FileLocation (secret)')),
      host.text(),
    );
  });

  it('fails with one readable message on a bad input, before any request', async () => {
    const host = hostFor({ projectId: 'abc' });
    await executeTask(findNewestBackup, host);
    assert.equal(host.result?.status, 'Failed');
    assert.match(host.result!.message, /^Input 'projectId' must be/);
    assert.equal(ctx.emu.requests.length, 0);
  });
});
