import { pipelineHost } from '../common/platform/pipelineHost';
import { runTask } from '../common/platform/runner';
import { findNewestBackup } from './findNewestBackup';

void runTask(findNewestBackup, pipelineHost);
