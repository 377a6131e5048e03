/**
 * The Azure Resource Manager service connection (workload identity federation by default) and the
 * job's SystemVssConnection as the agent hands them to a task, pointed at the emulator's Entra
 * and OIDC endpoint; and the variable that names that endpoint. Used by the copy tests and the demo.
 */
import type { Emulator } from '../emulator/emulator';
import { ARM_CLIENT_ID, ARM_ENDPOINT_ID, ARM_TENANT_ID, OIDC_PATH, SYSTEM_ACCESS_TOKEN } from '../emulator/azureRm';
import type { EndpointSpec } from './agent';

export function armEndpoints(emu: Emulator, scheme = 'WorkloadIdentityFederation', extra: Record<string, string> = {}): Record<string, EndpointSpec> {
  return {
    [ARM_ENDPOINT_ID]: {
      url: 'https://management.azure.com/',
      scheme,
      parameters: { tenantid: ARM_TENANT_ID, serviceprincipalid: ARM_CLIENT_ID, ...extra },
      data: { environment: 'AzureCloud', environmentAuthorityUrl: `${emu.url}/` },
    },
    SystemVssConnection: { url: 'https://dev.azure.com/contoso/', scheme: 'OAuth', parameters: { AccessToken: SYSTEM_ACCESS_TOKEN } },
  };
}

/** The agent variable of the OIDC endpoint (System.OidcRequestUri). */
export function oidcEnv(emu: Emulator): Record<string, string> {
  return { SYSTEM_OIDCREQUESTURI: `${emu.url}${OIDC_PATH}` };
}
