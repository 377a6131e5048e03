/**
 * LcsDatabaseBackupCopy@1's task function in this process under a FakeHost, against the
 * emulator's copy storage: the workload identity federation path through the host's variables
 * and endpoints, the secrets it registers, the outputs and the summary.
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ARM_CLIENT_ID, ARM_ENDPOINT_ID, ARM_TENANT_ID, OIDC_PATH, SYSTEM_ACCESS_TOKEN, destinationSasUrl } from '../emulator/emulator';
import type { FakeHost } from '../support/fakeHost';
import { executeTask } from '../../tasks/common/platform/runner';
import { copyBackup } from '../../tasks/LcsDatabaseBackupCopyV1/copyBackup';
import { emulatorHost } from './support';
import { useEmulator } from '../support/useEmulator';

describe('in-process: LcsDatabaseBackupCopy@1 under a fake host', function () {
  this.timeout(20_000);
  const ctx = useEmulator();

  /** The LCS connection of emulatorHost, plus the ARM connection, SystemVssConnection and the OIDC variable. */
  function hostFor(inputs: Record<string, string>): FakeHost {
    const emu = ctx.emu;
    return emulatorHost(emu, inputs, {
      endpoints: {
        [ARM_ENDPOINT_ID]: {
          scheme: 'WorkloadIdentityFederation',
          parameters: { tenantid: ARM_TENANT_ID, serviceprincipalid: ARM_CLIENT_ID },
          data: { environmentauthorityurl: emu.url },
        },
        SystemVssConnection: { parameters: { accesstoken: SYSTEM_ACCESS_TOKEN } },
      },
      variables: { 'System.OidcRequestUri': `${emu.url}${OIDC_PATH}` },
    });
  }

  function serve(): void {
    const emu = ctx.emu;
    emu.addBlob('golden.bacpac', { size: 1024 * 1024 });
    emu.backups[0].FileName = 'golden.bacpac';
    emu.listHook = () => {
      emu.backups[0].FileLocation = emu.blobUrl('golden.bacpac');
    };
    emu.copyStore.copyMs = 300;
  }

  it('workload identity federation: copies, registers every credential, publishes outputs and a summary row', async () => {
    serve();
    const host = hostFor({ azureSubscription: ARM_ENDPOINT_ID, storageAccount: `${ctx.emu.url}/copystore`, containerName: 'dest', pollIntervalSeconds: '0.1' });
    await executeTask(copyBackup, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    for (const secret of [SYSTEM_ACCESS_TOKEN, ...ctx.emu.azureRm.storageTokens, ...ctx.emu.blobStore.issuedUrls]) {
      assert.ok(host.secrets.has(secret), 'registered as a secret');
    }
    assert.equal(host.outputs.get('CopiedBlobName')?.value, 'golden.bacpac');
    assert.equal(host.outputs.get('CopyId')?.value, ctx.emu.copyStore.blobs.get('dest/golden.bacpac')?.copyId);
    assert.equal(host.outputs.get('FileLocation')?.isSecret, true);
    assert.equal(host.summaries.length, 1);
    assert.match(host.summaries[0].markdown, /copystore\/dest\/golden\.bacpac \| 1\.00 MiB \|/);
    assert.ok(host.progress.length > 0, 'progress was reported');
  });

  it('a SAS destination: the SAS, its query and signature are secrets before any request', async () => {
    serve();
    const sas = destinationSasUrl(ctx.emu.url, 'dest');
    const host = hostFor({ destinationSasUrl: sas, pollIntervalSeconds: '0.1' });
    await executeTask(copyBackup, host);
    assert.equal(host.result?.status, 'Succeeded', host.text());
    assert.ok(host.secrets.has(sas.split('?')[1]));
    assert.equal(ctx.emu.azureRm.storageTokens.length, 0);
  });

  it("the agent's managed identity: a storage token from the instance metadata service (plain HTTP, Metadata: true)", async () => {
    serve();
    const seen: { metadata?: string; resource?: string | null }[] = [];
    const imds = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ metadata: req.headers.metadata as string | undefined, resource: url.searchParams.get('resource') });
      const token = `imds-token-${Date.now()}`;
      ctx.emu.azureRm.storageTokens.push(token);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_in: '3599', token_type: 'Bearer' }));
    });
    await new Promise<void>((resolve) => imds.listen(0, '127.0.0.1', resolve));
    const previous = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
    try {
      const emu = ctx.emu;
      const host = emulatorHost(
        emu,
        { azureSubscription: 'MSI', storageAccount: `${emu.url}/copystore`, containerName: 'dest', pollIntervalSeconds: '0.1' },
        {
          endpoints: { MSI: { scheme: 'ManagedServiceIdentity', parameters: { tenantid: ARM_TENANT_ID } } },
        },
      );
      await executeTask(copyBackup, host);
      assert.equal(host.result?.status, 'Succeeded', host.text());
      assert.deepEqual(seen, [{ metadata: 'true', resource: 'https://storage.azure.com/' }]);
      assert.ok(host.secrets.has(emu.azureRm.storageTokens[0]));
      assert.match(host.text(), /the agent's managed identity/);
    } finally {
      if (previous === undefined) delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
      else process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = previous;
      await new Promise((resolve) => imds.close(resolve));
    }
  });
});
