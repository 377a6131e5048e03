/**
 * The part every task that starts an LCS operation shares: start it, print and publish its
 * activity id at once (so it survives a later failure or cancellation), then wait for it or
 * not. Export and refresh add only what is their own.
 */
import { TaskHost, noteOnCancel } from '../platform/host';
import { publishOutputs } from '../platform/outputVariables';
import { OperationKind, OperationRef, StatusAnswer, fetchStatus, startOperationAt } from './operations';
import { WaitRequest, waitForOperation } from './operationWait';
import { LcsSession } from '../lcs/session';
import { LcsSettings } from '../lcs/connection';
import { budgetWithin } from '../http/retry';
import { WaitSettings } from './waitSettings';

export interface StartRequest {
  kind: OperationKind;
  projectId: number;
  /** The POST path (exportPath / refreshPath). */
  path: string;
  /** The environment whose status tells about the operation (export: exported; refresh: target). */
  statusEnvironmentId: string;
}

/**
 * Waits for an operation with the session's client, a fresh budget per status request;
 * `justStarted` when this task started it (see WaitRequest).
 */
export function waitWithSession(
  host: TaskHost,
  session: LcsSession,
  ref: OperationRef,
  wait: WaitSettings & Pick<LcsSettings, 'retryBudgetMs' | 'requestTimeoutMs'>,
  how: Pick<WaitRequest, 'justStarted' | 'waitAgain'> = {},
): Promise<StatusAnswer> {
  return waitForOperation(
    {
      host,
      poll: (budget) => fetchStatus(session.client, ref, { budget }),
      // Only the wait cuts a request's budget: a poll must end by the wait's deadline.
      newBudget: (capMs) => budgetWithin(wait.retryBudgetMs, wait.requestTimeoutMs, capMs),
    },
    { ref, timeoutMs: wait.timeoutMs, pollIntervalMs: wait.pollIntervalMs, ...how },
  );
}

/**
 * Starts the operation and, when asked, waits until it ends. Returns the operation and its last
 * status (undefined when not waiting); failure states and timeouts throw.
 */
export async function startAndWait(host: TaskHost, session: LcsSession, start: StartRequest, wait: WaitSettings & Pick<LcsSettings, 'retryBudgetMs' | 'requestTimeoutMs'>): Promise<{ ref: OperationRef; final?: StatusAnswer }> {
  const activityId = await noteOnCancel(
    host,
    `the ${start.kind} may have started in LCS all the same. Look at the environment's History in LCS before you run again.`,
    () => startOperationAt(session.client, start.kind, start.path),
  );
  const ref: OperationRef = { kind: start.kind, projectId: start.projectId, environmentId: start.statusEnvironmentId, activityId };
  publishOutputs(host, ['OperationActivityId'], { OperationActivityId: activityId }, { silent: true });
  host.info(`Started the ${start.kind}: OperationActivityId ${activityId} (output OperationActivityId).`);
  if (!wait.waitForCompletion) {
    publishOutputs(host, ['OperationStatus', 'CompletionDate'], { OperationStatus: '', CompletionDate: '' }, { silent: true });
    host.info(`Not waiting (waitForCompletion is false). To wait later: LcsDatabaseOperationStatus@1 with environmentId ${ref.environmentId} and operationActivityId ${activityId}.`);
    return { ref };
  }
  host.info(`Waiting up to ${Math.round(wait.timeoutMs / 60_000 * 10) / 10} min, one status request every ${wait.pollIntervalMs / 1000} s; a line on each state change.`);
  return { ref, final: await waitWithSession(host, session, ref, wait, { justStarted: true }) };
}
