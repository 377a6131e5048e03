import { pipelineHost } from '../common/platform/pipelineHost';
import { runTask } from '../common/platform/runner';
import { exportDatabase } from './exportDatabase';

void runTask(exportDatabase, pipelineHost);
