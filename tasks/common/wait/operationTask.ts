/**
 * The part every task that starts an LCS operation shares: start it, print and publish its
 * activity id at once (so it survives a later failure or cancellation), then wait for it or
 * not. What the operation is (its path, advice, label) comes from the task's OperationDescriptor.
 */
import { TaskHost, noteOnCancel } from '../platform/host';
import { publishOutputs } from '../platform/outputVariables';
import { OperationDescriptor, OperationRef, StatusAnswer, fetchStatus, startOperationAt } from './operations';
import { WaitRequest, waitForOperation } from './operationWait';
import { LcsSession } from '../lcs/session';
import { LcsSettings } from '../lcs/connection';
import { budgetWithin } from '../http/retry';
import { WaitSettings } from './waitSettings';

/** The settings a wait needs: the wait inputs and the request limits. */
export type WaitWithSessionSettings = WaitSettings & Pick<LcsSettings, 'retryBudgetMs' | 'requestTimeoutMs'>;

/** The settings a start needs besides the operation's own: the project, the wait, the request limits. */
export type StartSettings = WaitWithSessionSettings & Pick<LcsSettings, 'projectId'>;

/**
 * Waits for an operation with the session's client, a fresh budget per status request;
 * `justStarted` when this task started it (see WaitRequest). An operation started elsewhere
 * needs no descriptor: its ref and how to wait for it again.
 */
export function waitWithSession(
  host: TaskHost,
  session: LcsSession,
  ref: OperationRef,
  wait: WaitWithSessionSettings,
  how: Pick<WaitRequest, 'justStarted' | 'waitAgain'>,
): Promise<StatusAnswer> {
  return waitForOperation(
    {
      host,
      poll: (budget, signal) => fetchStatus(session.client, ref, { budget, signal }),
      // Only the wait cuts a request's budget: a poll must end by the wait's deadline.
      newBudget: (capMs) => budgetWithin(wait.retryBudgetMs, wait.requestTimeoutMs, capMs),
    },
    { ref, timeoutMs: wait.timeoutMs, pollIntervalMs: wait.pollIntervalMs, ...how },
  );
}

/**
 * Starts the described operation and, when asked, waits until it ends. Returns the operation
 * and its last status (undefined when not waiting); failure states and timeouts throw.
 */
export async function startAndWait<S>(
  host: TaskHost,
  session: LcsSession,
  operation: OperationDescriptor<S>,
  settings: S & StartSettings,
): Promise<{ ref: OperationRef; final?: StatusAnswer }> {
  const { label } = operation;
  const activityId = await noteOnCancel(
    host,
    `the ${label} may have started in LCS all the same. Look at the environment's History in LCS before you run again.`,
    () => startOperationAt(session.client, operation, operation.startPath(settings)),
  );
  const ref: OperationRef = { label, projectId: settings.projectId, environmentId: operation.statusEnvironmentId(settings), activityId };
  publishOutputs(host, ['OperationActivityId'], { OperationActivityId: activityId }, { silent: true });
  host.info(`Started the ${label}: OperationActivityId ${activityId} (output OperationActivityId).`);
  if (!settings.waitForCompletion) {
    publishOutputs(host, ['OperationStatus', 'CompletionDate'], { OperationStatus: '', CompletionDate: '' }, { silent: true });
    host.info(`Not waiting (waitForCompletion is false). ${operation.howToWaitLater(ref)}`);
    return { ref };
  }
  host.info(
    `Waiting up to ${Math.round((settings.timeoutMs / 60_000) * 10) / 10} min, one status request every ${settings.pollIntervalMs / 1000} s; a line on each state change.`,
  );
  return { ref, final: await waitWithSession(host, session, ref, settings, { justStarted: true, waitAgain: operation.howToWaitAgain(ref) }) };
}
