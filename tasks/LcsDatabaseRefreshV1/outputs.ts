/** LcsDatabaseRefresh@1's output variables, in task.json's order (a test holds them equal). */
export const OUTPUTS = ['OperationActivityId', 'OperationStatus', 'CompletionDate'] as const;
