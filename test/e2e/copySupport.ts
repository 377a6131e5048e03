/**
 * What both copy test files share: the Azure Resource Manager connection and SystemVssConnection
 * the agent hands over, the OIDC endpoint variable, and running the bundled copy task with the
 * invariants checked against every credential the run met.
 */
import type { Emulator } from '../emulator/emulator';
import { ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_ENDPOINT_ID, ARM_TENANT_ID, OIDC_PATH, SYSTEM_ACCESS_TOKEN } from '../emulator/azureRm';
import type { EndpointSpec, TaskRun } from '../support/agent';
import { assertInvariants, runLcsTask, type E2eOptions } from './helpers';

export const COPY_TASK = 'LcsDatabaseBackupCopyV1';

/** The ARM connection (scheme and extra parameters as given) and the job's SystemVssConnection. */
export function armEndpoints(emu: Emulator, scheme = 'WorkloadIdentityFederation', extra: Record<string, string> = {}): Record<string, EndpointSpec> {
  return {
    [ARM_ENDPOINT_ID]: {
      url: 'https://management.azure.com/', scheme,
      parameters: { tenantid: ARM_TENANT_ID, serviceprincipalid: ARM_CLIENT_ID, ...extra },
      data: { environment: 'AzureCloud', environmentAuthorityUrl: `${emu.url}/` },
    },
    SystemVssConnection: { url: 'https://dev.azure.com/contoso/', scheme: 'OAuth', parameters: { AccessToken: SYSTEM_ACCESS_TOKEN } },
  };
}

/** Runs the bundled copy task (workload identity federation unless options say otherwise) and checks the invariants. */
export async function runCopyTask(emu: Emulator, inputs: Record<string, string | undefined>, options: E2eOptions = {}, secrets: string[] = []): Promise<TaskRun> {
  const r = await runLcsTask(emu, {
    task: COPY_TASK,
    endpoints: armEndpoints(emu),
    env: { SYSTEM_OIDCREQUESTURI: `${emu.url}${OIDC_PATH}` },
    ...options,
    inputs: { azureSubscription: ARM_ENDPOINT_ID, pollIntervalSeconds: '0.2', ...inputs },
  });
  const az = emu.azureRm;
  assertInvariants(r, emu, { extraSecrets: [...secrets, ...emu.blobStore.issuedUrls, ...az.oidcTokens, ...az.storageTokens, SYSTEM_ACCESS_TOKEN, ARM_CLIENT_SECRET] });
  return r;
}

export const outputValue = (r: TaskRun, name: string): string | undefined => r.variables[name]?.value;
