/**
 * The options of a working run of a task against the local emulator: a databaseMovement
 * connection to it, the sample project, and the task's own inputs (default: those of
 * LcsDatabaseBackups@1's demo). Shared by the demo and the benchmark.
 */
import { EMULATOR_CLIENT_ID, EMULATOR_PASSWORD, EMULATOR_USERNAME, SAMPLE_PROJECT_ID, type Emulator } from '../emulator/emulator';
import type { RunOptions } from './agent';

export const BACKUPS_DEMO_INPUTS = { newestBy: 'created', failIfNoBackup: 'true', fileLocationIsSecret: 'true' };

export function emulatorRunOptions(
  emulator: Emulator,
  script: string,
  endpointId: string,
  taskInputs: Record<string, string> = BACKUPS_DEMO_INPUTS,
): RunOptions {
  return {
    script,
    caFile: emulator.caFile,
    inputs: {
      connectionType: 'databaseMovement',
      lcsConnection: endpointId,
      projectId: String(SAMPLE_PROJECT_ID),
      ...taskInputs,
    },
    endpoints: {
      [endpointId]: {
        url: emulator.authority,
        apiurl: emulator.apiUrl,
        username: EMULATOR_USERNAME,
        password: EMULATOR_PASSWORD,
        clientid: EMULATOR_CLIENT_ID,
      },
    },
  };
}
