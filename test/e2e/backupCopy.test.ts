/**
 * LcsDatabaseBackupCopy@1 end to end: the bundled task, the emulator as LCS, Entra (client
 * credentials) and the agent's OIDC endpoint, and Azurite (over HTTPS with the test CA, `--oauth
 * basic`) as both LCS's storage (container `lcs`) and the team's (container `dest`). Azurite copies
 * only within one instance (real storage copies across accounts), and finishes a copy at once.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { blobBytes, type Emulator } from '../emulator/emulator';
import { ARM_CLIENT_SECRET } from '../emulator/azureRm';
import { DEV_KEY, blobHeaders, blobSasUrl, containerSasUrl, createContainer, putBlob, startAzurite, type Azurite } from '../support/azurite';
import type { TaskRun } from '../support/agent';
import { assertMentions, assertResult, singleError, useEmulator, type E2eOptions } from './helpers';
import { outputValue, runCopyTask } from './copySupport';
import { armEndpoints } from '../support/armConnection';

const SOURCE = 'lcs';
const DEST = 'dest';
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

describe('e2e: LcsDatabaseBackupCopy@1 into Azurite', function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let azurite: Azurite;
  let issued: string[] = [];
  let content: Buffer;

  before(async () => {
    azurite = await startAzurite({ oauth: true });
    await createContainer(azurite, SOURCE);
    await createContainer(azurite, DEST);
    content = blobBytes(21, 0, 3 * 1024 * 1024 + 11);
    await putBlob(azurite, SOURCE, 'golden.bacpac', content);
  });
  after(async () => {
    await azurite?.stop();
  });
  afterEach(() => {
    issued = [];
  });

  /** The newest backup points at Azurite's source blob; every list hands out a new SAS. */
  function serve(emu: Emulator, lifetimeMs = 3600_000): void {
    emu.backups[0].FileName = 'golden.bacpac';
    emu.listHook = () => {
      const url = blobSasUrl(azurite, SOURCE, 'golden.bacpac', new Date(Date.now() + lifetimeMs));
      issued.push(url, new URL(url).searchParams.get('sig')!);
      emu.backups[0].FileLocation = url;
    };
  }

  async function run(emu: Emulator, inputs: Record<string, string | undefined>, options: E2eOptions = {}): Promise<TaskRun> {
    return runCopyTask(emu, { storageAccount: azurite.accountUrl, containerName: DEST, ...inputs }, options, [...issued, DEV_KEY]);
  }

  const output = outputValue;

  it('workload identity federation: copies, verifies by MD5, sets metadata and publishes the outputs', async () => {
    const emu = ctx.emu;
    serve(emu);
    const r = await run(emu, { destinationBlobName: 'wif/golden.bacpac' });
    assertResult(r, 'Succeeded');
    assertMentions(r.stdout, `Content-MD5 (${md5(content)})`);
    assert.equal(output(r, 'CopiedBlobUrl'), `${azurite.accountUrl}/${DEST}/wif/golden.bacpac`);
    assert.equal(output(r, 'CopiedBlobName'), 'wif/golden.bacpac');
    assert.ok(output(r, 'CopyId'));
    assert.equal(output(r, 'BackupId'), emu.backups[0].Id);
    assert.equal(r.variables.FileLocation?.isSecret, true);
    const head = await blobHeaders(azurite, DEST, 'wif/golden.bacpac');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(content.length));
    assert.equal(head.headers['x-ms-meta-lcsbackupid'], emu.backups[0].Id);
    assert.match(head.headers['x-ms-meta-lcsprojectid'] ?? '', /^\d+$/);
    assert.equal(emu.azureRm.oidcTokens.length, 1, 'one ID token from the OIDC endpoint');
    assert.equal(emu.azureRm.storageTokens.length, 1, 'one storage token');
  });

  it('a container SAS destination: copies without any Entra request for storage', async () => {
    const emu = ctx.emu;
    serve(emu);
    const sas = containerSasUrl(azurite, DEST, 'racw', new Date(Date.now() + 3600_000));
    issued.push(sas, new URL(sas).search.slice(1), new URL(sas).searchParams.get('sig')!);
    const r = await run(emu, {
      destinationSasUrl: sas,
      azureSubscription: undefined,
      storageAccount: undefined,
      containerName: undefined,
      destinationBlobName: 'sas.bacpac',
    });
    assertResult(r, 'Succeeded');
    assert.equal(output(r, 'CopiedBlobUrl'), `${azurite.accountUrl}/${DEST}/sas.bacpac`);
    assert.equal(emu.azureRm.storageTokens.length, 0);
    assert.equal((await blobHeaders(azurite, DEST, 'sas.bacpac')).headers['content-md5'], md5(content));
  });

  it('a service principal with a secret; an existing destination fails without overwrite and is replaced with it', async () => {
    const emu = ctx.emu;
    serve(emu);
    const options = { endpoints: armEndpoints(emu, 'ServicePrincipal', { serviceprincipalkey: ARM_CLIENT_SECRET, authenticationType: 'spnKey' }) };
    await putBlob(azurite, DEST, 'taken.bacpac', Buffer.from("someone else's blob"));
    const refused = await run(emu, { destinationBlobName: 'taken.bacpac' }, options);
    const message = singleError(refused);
    assertMentions(message, 'already exists');
    assertMentions(message, 'overwrite: true');
    assert.equal((await blobHeaders(azurite, DEST, 'taken.bacpac')).headers['content-length'], String("someone else's blob".length));
    const replaced = await run(emu, { destinationBlobName: 'taken.bacpac', overwrite: 'true' }, options);
    assertResult(replaced, 'Succeeded');
    assert.equal((await blobHeaders(azurite, DEST, 'taken.bacpac')).headers['content-length'], String(content.length));
  });

  it('a federated credential whose subject does not match: AADSTS700213 with what to check', async () => {
    const emu = ctx.emu;
    serve(emu);
    emu.azureRm.subjectMatches = false;
    const message = singleError(await run(emu, { destinationBlobName: 'never.bacpac' }));
    assertMentions(message, 'AADSTS700213');
    assertMentions(message, 'sc://<organization>/<project>/<connection name>');
    assert.equal((await blobHeaders(azurite, DEST, 'never.bacpac')).status, 404);
  });
});
