import { pipelineHost } from '../common/pipelineHost';
import { runTask } from '../common/runner';
import { checkOperation } from './checkOperation';

void runTask(checkOperation, pipelineHost);
