/** What the in-process tests share: a FakeHost connected to the emulator (test/support/useEmulator.ts). */
import { EMULATOR_CLIENT_ID, EMULATOR_PASSWORD, EMULATOR_USERNAME, SAMPLE_PROJECT_ID, type Emulator } from '../emulator/emulator';
import { executeTask } from '../../tasks/common/platform/runner';
import type { TaskFunction } from '../../tasks/common/platform/host';
import { FakeHost, type FakeHostOptions } from '../support/fakeHost';

/** A host whose connection points at the emulator (trusting its CA), with short request limits; `more` adds connections and variables. */
export function emulatorHost(emu: Emulator, inputs: Record<string, string>, more: Pick<FakeHostOptions, 'endpoints' | 'variables'> = {}): FakeHost {
  return new FakeHost({
    inputs: {
      connectionType: 'databaseMovement',
      lcsConnection: 'EP',
      projectId: String(SAMPLE_PROJECT_ID),
      requestTimeoutSeconds: '5',
      retryBudgetSeconds: '5',
      ...inputs,
    },
    endpoints: {
      EP: {
        url: emu.authority,
        apiUrl: emu.apiUrl,
        scheme: 'UsernamePassword',
        username: EMULATOR_USERNAME,
        password: EMULATOR_PASSWORD,
        clientId: EMULATOR_CLIENT_ID,
      },
      ...more.endpoints,
    },
    variables: more.variables,
    network: { proxyFor: () => undefined, cert: { caFile: emu.caFile } },
  });
}

/**
 * Runs `task` under `host`, cancels it (SIGINT) once it has published its OperationActivityId and
 * waited a moment, and returns how long the whole run took in ms.
 */
export async function cancelWhileWaiting(task: TaskFunction, host: FakeHost): Promise<number> {
  const started = Date.now();
  const running = executeTask(task, host);
  while (!host.outputs.has('OperationActivityId')) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  host.cancel('SIGINT');
  await running;
  return Date.now() - started;
}
