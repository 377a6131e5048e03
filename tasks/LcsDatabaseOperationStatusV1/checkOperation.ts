/**
 * LcsDatabaseOperationStatus@1: wait for (or look at) an operation started elsewhere. Without
 * waiting, one status request: publish the state, fail only on a failure state.
 */
import { TaskHost } from '../common/platform/host';
import { publishOutputs } from '../common/platform/outputVariables';
import { OperationRef, fetchStatus } from '../common/wait/operations';
import { classifyState } from '../common/wait/operationState';
import { waitWithSession } from '../common/wait/operationTask';
import { failureState, publishState } from '../common/wait/operationWait';
import { neutralize } from '../common/text/sanitize';
import { openLcsSession } from '../common/lcs/session';
import { formatInstant } from '../common/text/time';
import { OUTPUTS } from './outputs';
import { readSettings } from './settings';
import { waitHereAgain } from './howToWait';

export async function checkOperation(host: TaskHost): Promise<void> {
  const settings = readSettings(host.inputs);
  const session = await openLcsSession(host, settings);
  // Which operation it is is not known from the id; "operation" reads right for any.
  const ref: OperationRef = {
    label: 'operation',
    projectId: settings.projectId,
    environmentId: settings.environmentId,
    activityId: settings.operationActivityId,
  };
  host.info(`Operation:   ${ref.activityId} on environment ${ref.environmentId}`);
  if (settings.waitForCompletion) {
    const final = await waitWithSession(host, session, ref, settings, { waitAgain: waitHereAgain(ref) });
    publishOutputs(host, OUTPUTS, {});
    host.succeed(`The operation ended: ${final.state}`);
    return;
  }
  const answer = await fetchStatus(session.client, ref);
  const state = neutralize(answer.state, 60);
  publishState(host, answer);
  host.info(
    `State:       ${state}${answer.completionDate ? `, completed ${formatInstant(answer.completionDate)}` : ''} (not waiting: waitForCompletion is false).`,
  );
  publishOutputs(host, OUTPUTS, {});
  if (classifyState(answer.state).verdict === 'failed') {
    throw failureState(ref, answer.state);
  }
  host.succeed(`Operation state: ${state}`);
}
