import { pipelineHost } from '../common/pipelineHost';
import { runTask } from '../common/runner';
import { refreshDatabase } from './refreshDatabase';

void runTask(refreshDatabase, pipelineHost);
