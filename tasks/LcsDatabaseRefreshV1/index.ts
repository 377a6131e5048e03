import { pipelineHost } from '../common/platform/pipelineHost';
import { runTask } from '../common/platform/runner';
import { refreshDatabase } from './refreshDatabase';

void runTask(refreshDatabase, pipelineHost);
