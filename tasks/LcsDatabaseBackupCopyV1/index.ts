// First: takes destinationSasUrl out of task-lib's sight (it writes inputs to debug output).
import './secretInputs';
import { pipelineHost } from '../common/platform/pipelineHost';
import { runTask } from '../common/platform/runner';
import { copyBackup } from './copyBackup';

void runTask(copyBackup, pipelineHost);
