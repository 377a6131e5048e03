/**
 * Every task folder, found by its task.json: the connection inputs are the same in each, and
 * each task's OUTPUTS (tasks/<Task>/outputs.ts) equals its task.json's outputVariables and
 * settableVariables. A new task folder is checked without being named here.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot, taskFolders } from '../support/repo';

const root = findRepoRoot(__dirname);
const tasksDir = path.join(root, 'tasks');

interface TaskInput {
  name: string;
  type: string;
  visibleRule?: string;
  required?: boolean;
  defaultValue?: string;
  options?: unknown;
  groupName?: string;
}
interface TaskJson {
  name: string;
  inputs: TaskInput[];
  outputVariables?: { name: string }[];
  restrictions?: { settableVariables?: { allowed: string[] } };
}

function taskJson(folder: string): TaskJson {
  return JSON.parse(readFileSync(path.join(tasksDir, folder, 'task.json'), 'utf8')) as TaskJson;
}

/** The inputs every LCS task shares (tasks/common/lcs/connection.ts reads them). */
export const CONNECTION_INPUT_NAMES = ['connectionType', 'lcsConnection', 'finOpsToolsConnection', 'projectId', 'requestTimeoutSeconds', 'retryBudgetSeconds'];

function connectionInputs(task: TaskJson): Record<string, Omit<TaskInput, 'groupName'>> {
  const out: Record<string, Omit<TaskInput, 'groupName'>> = {};
  for (const name of CONNECTION_INPUT_NAMES) {
    const input = task.inputs.find((i) => i.name === name);
    assert.ok(input, `${task.name} has no input '${name}'`);
    out[name] = {
      name: input.name,
      type: input.type,
      visibleRule: input.visibleRule,
      required: input.required,
      defaultValue: input.defaultValue,
      options: input.options,
    };
  }
  return out;
}

describe('task manifests (every tasks/*/task.json)', () => {
  const folders = taskFolders();

  it('finds the task folders', () => {
    assert.ok(folders.includes('LcsDatabaseBackupsV1'), folders.join(', '));
  });

  for (const folder of folders) {
    it(`${folder}: the same connection inputs as every other task (names, types, visibleRule, defaults)`, () => {
      assert.deepEqual(connectionInputs(taskJson(folder)), connectionInputs(taskJson(folders[0])));
    });

    it(`${folder}: OUTPUTS equals task.json's outputVariables and settableVariables`, () => {
      const compiled = path.join(root, 'build', 'tasks', folder, 'outputs.js');
      assert.ok(existsSync(compiled), `${folder} needs an outputs.ts exporting OUTPUTS (run npm run build)`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { OUTPUTS } = require(compiled) as { OUTPUTS: readonly string[] };
      const task = taskJson(folder);
      assert.deepEqual(
        (task.outputVariables ?? []).map((o) => o.name),
        [...OUTPUTS],
      );
      assert.deepEqual(task.restrictions?.settableVariables?.allowed ?? [], [...OUTPUTS]);
    });
  }
});
