/**
 * LcsDatabaseRefresh@1: replace a sandbox's database with a copy of another environment's, and
 * wait. Sequencing only: the operation is refreshOperation.ts', its start and the wait
 * common/wait/operationTask.ts'.
 */
import { TaskHost } from '../common/platform/host';
import { publishOutputs } from '../common/platform/outputVariables';
import { startAndWait } from '../common/wait/operationTask';
import { openLcsSession } from '../common/lcs/session';
import { OUTPUTS } from './outputs';
import { REFRESH } from './refreshOperation';
import { readSettings } from './settings';

export async function refreshDatabase(host: TaskHost): Promise<void> {
  const settings = readSettings(host.inputs);
  const session = await openLcsSession(host, settings);
  const { sourceEnvironmentId: source, targetEnvironmentId: target } = settings;
  host.info(`Refresh:     the database of environment ${target} (target) is REPLACED by a copy of environment ${source}'s (source).`);
  const { ref, final } = await startAndWait(host, session, REFRESH, settings);
  if (!final) {
    host.succeed(`Refresh started: OperationActivityId ${ref.activityId}`);
    return;
  }
  // All three were published on the way: the id at the start, the state during the wait.
  publishOutputs(host, OUTPUTS, {});
  host.succeed(`Refreshed ${target} from ${source} (${final.state})`);
}
