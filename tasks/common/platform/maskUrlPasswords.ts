/**
 * Imported for its effect, first thing in pipelineHost.ts, so it runs before
 * azure-pipelines-task-lib loads: registers every URL password the agent hands over as a
 * secret (see urlPasswordSecretCommands).
 */
import * as os from 'node:os';
import { urlPasswordSecretCommands } from './urlCredentials';

const lines = urlPasswordSecretCommands(process.env);
if (lines.length) {
  process.stdout.write(lines.join(os.EOL) + os.EOL);
}
