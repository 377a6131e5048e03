import { pipelineHost } from '../common/pipelineHost';
import { runTask } from '../common/runner';
import { exportDatabase } from './exportDatabase';

void runTask(exportDatabase, pipelineHost);
