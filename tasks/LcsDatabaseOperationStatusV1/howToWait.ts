/** What the status task says of itself when its wait ends before the operation does. */
import type { OperationRef } from '../common/wait/operations';

/** This is the status task: say what to change here, not which task to run. */
export function waitHereAgain(ref: OperationRef): string {
  return `To wait for it again, run this step again with the same environmentId (${ref.environmentId}) and operationActivityId (${ref.activityId}).`;
}
