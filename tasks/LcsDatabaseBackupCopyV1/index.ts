import { pipelineHost } from '../common/pipelineHost';
import { runTask } from '../common/runner';
import { copyBackup } from './copyBackup';

void runTask(copyBackup, pipelineHost);
