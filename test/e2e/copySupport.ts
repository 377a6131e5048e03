/**
 * What both copy test files share: running the bundled copy task with an Azure Resource Manager
 * connection (test/support/armConnection.ts), the invariants checked against every credential the run met.
 */
import type { Emulator } from '../emulator/emulator';
import { ARM_CLIENT_SECRET, ARM_ENDPOINT_ID, SYSTEM_ACCESS_TOKEN } from '../emulator/azureRm';
import type { TaskRun } from '../support/agent';
import { armEndpoints, oidcEnv } from '../support/armConnection';
import { assertInvariants, runLcsTask, type E2eOptions } from './helpers';

export const COPY_TASK = 'LcsDatabaseBackupCopyV1';

/** Runs the bundled copy task (workload identity federation unless options say otherwise) and checks the invariants. */
export async function runCopyTask(
  emu: Emulator,
  inputs: Record<string, string | undefined>,
  options: E2eOptions = {},
  secrets: string[] = [],
): Promise<TaskRun> {
  const r = await runLcsTask(emu, {
    task: COPY_TASK,
    endpoints: armEndpoints(emu),
    env: oidcEnv(emu),
    ...options,
    inputs: { azureSubscription: ARM_ENDPOINT_ID, pollIntervalSeconds: '0.2', ...inputs },
  });
  const az = emu.azureRm;
  assertInvariants(r, emu, {
    extraSecrets: [...secrets, ...emu.blobStore.issuedUrls, ...az.oidcTokens, ...az.storageTokens, SYSTEM_ACCESS_TOKEN, ARM_CLIENT_SECRET],
  });
  return r;
}

export const outputValue = (r: TaskRun, name: string): string | undefined => r.variables[name]?.value;
