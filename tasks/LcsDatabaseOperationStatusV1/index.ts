import { pipelineHost } from '../common/platform/pipelineHost';
import { runTask } from '../common/platform/runner';
import { checkOperation } from './checkOperation';

void runTask(checkOperation, pipelineHost);
