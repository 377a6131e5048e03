/**
 * The export as an operation (see OperationDescriptor): its start path, the environment whose
 * status tells about it, and its advice. The start and the wait are common/wait's.
 */
import { DATABASE_MOVEMENT, ENVIRONMENT_REFUSALS, OperationDescriptor, waitWithStatusStep } from '../common/wait/operations';
import type { TaskSettings } from './settings';

/** The start's path; the backup name is one percent-encoded segment. */
export function exportPath(projectId: number, environmentId: string, backupName: string): string {
  return `${DATABASE_MOVEMENT}/export/project/${projectId}/environment/${environmentId}/backupName/${encodeURIComponent(backupName)}`;
}

export const EXPORT: OperationDescriptor<Pick<TaskSettings, 'projectId' | 'environmentId' | 'backupName'>> = {
  label: 'export',
  startPath: (s) => exportPath(s.projectId, s.environmentId, s.backupName),
  // LCS reports on an export with the exported environment.
  statusEnvironmentId: (s) => s.environmentId,
  refusals: [...ENVIRONMENT_REFUSALS],
  otherRefusal: 'Check the environment id (a sandbox of this project) and that the account may export its database in LCS.',
  ifNotFound: "Check the project id and the environment id (GUIDs shown on the environment's page in LCS).",
  ifUnauthorized:
    'LCS refuses the export for this kind of environment (it answers 401 to a refresh between cloud-hosted environments): export and refresh work between sandbox and production environments, not cloud-hosted (Tier-1) ones. Check the environment id in LCS. Nothing was started.',
  // The step that picks the wait up again; common/wait names no task.
  ...waitWithStatusStep('LcsDatabaseOperationStatus@1'),
};
