/**
 * The refresh as an operation (see OperationDescriptor): its start path, the environment whose
 * status tells about it, and its advice. The start and the wait are common/wait's.
 */
import { DATABASE_MOVEMENT, ENVIRONMENT_REFUSALS, OperationDescriptor, waitWithStatusStep } from '../common/wait/operations';
import type { TaskSettings } from './settings';

export function refreshPath(projectId: number, sourceEnvironmentId: string, targetEnvironmentId: string): string {
  return `${DATABASE_MOVEMENT}/refresh/project/${projectId}/source/${sourceEnvironmentId}/target/${targetEnvironmentId}`;
}

export const REFRESH: OperationDescriptor<Pick<TaskSettings, 'projectId' | 'sourceEnvironmentId' | 'targetEnvironmentId'>> = {
  label: 'refresh',
  startPath: (s) => refreshPath(s.projectId, s.sourceEnvironmentId, s.targetEnvironmentId),
  // LCS reports on a refresh with the target environment.
  statusEnvironmentId: (s) => s.targetEnvironmentId,
  refusals: [
    {
      when: /not (?:a )?sandbox|is (?:a )?production|production environment/i,
      advice: 'A refresh can only replace a sandbox (tier 2 or higher) database: check that targetEnvironmentId is a sandbox, not production.',
    },
    ...ENVIRONMENT_REFUSALS,
  ],
  otherRefusal: 'Check both environment ids (the target must be a sandbox of this project) and that the account may refresh the target in LCS.',
  ifNotFound: "Check the project id and the environment ids (GUIDs shown on the environment's page in LCS).",
  ifUnauthorized:
    'LCS refuses the refresh for this kind of environment (it answers 401 to a refresh between cloud-hosted environments): export and refresh work between sandbox and production environments, not cloud-hosted (Tier-1) ones. Check the environment ids in LCS. Nothing was started.',
  // The step that picks the wait up again; common/wait names no task.
  ...waitWithStatusStep('LcsDatabaseOperationStatus@1'),
};
