/** LcsDatabaseExport@1's output variables, in task.json's order (a test holds them equal). */
import { BACKUP_OUTPUTS } from '../common/lcs/databaseAssets';

export const OUTPUTS = ['OperationActivityId', 'OperationStatus', 'CompletionDate', ...BACKUP_OUTPUTS] as const;
