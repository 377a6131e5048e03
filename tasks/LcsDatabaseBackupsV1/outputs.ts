/**
 * LcsDatabaseBackups@1's output variables, in task.json's order (outputVariables and
 * settableVariables; a test holds the three lists equal).
 */
import { BACKUP_OUTPUTS } from '../common/lcs/databaseAssets';

export const OUTPUTS = [...BACKUP_OUTPUTS, 'BackupCount', 'DownloadedFilePath'] as const;
export type OutputName = (typeof OUTPUTS)[number];
