/**
 * The options of a working run of a task against the local emulator: a databaseMovement
 * connection to it and the sample project. Shared by the demo and the benchmark.
 */
import { EMULATOR_CLIENT_ID, EMULATOR_PASSWORD, EMULATOR_USERNAME, SAMPLE_PROJECT_ID, type Emulator } from '../emulator/emulator';
import type { RunOptions } from './agent';

export function emulatorRunOptions(emulator: Emulator, script: string, endpointId: string): RunOptions {
  return {
    script,
    caFile: emulator.caFile,
    inputs: {
      connectionType: 'databaseMovement',
      lcsConnection: endpointId,
      projectId: String(SAMPLE_PROJECT_ID),
      newestBy: 'created',
      failIfNoBackup: 'true',
      fileLocationIsSecret: 'true',
    },
    endpoints: {
      [endpointId]: { url: emulator.authority, apiurl: emulator.apiUrl, username: EMULATOR_USERNAME, password: EMULATOR_PASSWORD, clientid: EMULATOR_CLIENT_ID },
    },
  };
}
