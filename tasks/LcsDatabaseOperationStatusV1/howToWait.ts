/**
 * How to wait for an operation with this task: what a task that starts an operation tells its
 * user when it does not wait, or when its wait ended before the operation did (its
 * descriptor's howToWaitAgain and howToWaitLater), and what this task says of itself.
 */
import type { OperationDescriptor, OperationRef } from '../common/wait/operations';

export const WAIT_WITH_STATUS_TASK: Pick<OperationDescriptor<unknown>, 'howToWaitAgain' | 'howToWaitLater'> = {
  howToWaitAgain: (ref) => `To wait for it again, run LcsDatabaseOperationStatus@1 with environmentId ${ref.environmentId} and operationActivityId ${ref.activityId}.`,
  howToWaitLater: (ref) => `To wait later: LcsDatabaseOperationStatus@1 with environmentId ${ref.environmentId} and operationActivityId ${ref.activityId}.`,
};

/** This is the status task: say what to change here, not which task to run. */
export function waitHereAgain(ref: OperationRef): string {
  return `To wait for it again, run this step again with the same environmentId (${ref.environmentId}) and operationActivityId (${ref.activityId}).`;
}
