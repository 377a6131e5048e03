import { pipelineHost } from '../common/pipelineHost';
import { runTask } from '../common/runner';
import { findNewestBackup } from './findNewestBackup';

void runTask(findNewestBackup, pipelineHost);
