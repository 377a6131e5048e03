/**
 * Inputs that hold credentials (a SAS URL from a secret variable, say), taken out of the
 * environment before azure-pipelines-task-lib loads: task-lib's getInput writes every value it
 * reads to debug output, and the agent masks a value only once it is registered. Imported for its
 * effect by a task's first import (see LcsDatabaseBackupCopyV1/secretInputs.ts); pipelineHost.ts
 * reads the values from here.
 */
import * as os from 'node:os';
import { TaskCommand } from 'azure-pipelines-task-lib/taskcommand';

const captured = new Map<string, string>();

/** The variable the agent sets for an input: INPUT_ and the name upper-cased, dots and spaces as _. */
function envName(input: string): string {
  return `INPUT_${input.replace(/[. ]/g, '_').toUpperCase()}`;
}

/** The value and the parts a log could show on their own: the query and its signature. */
function secretForms(value: string): string[] {
  const forms = [value];
  const query = value.split('?')[1];
  if (query) {
    forms.push(query);
    const sig = /(?:^|&)sig=([^&]+)/.exec(query)?.[1];
    if (sig) {
      forms.push(sig);
      try {
        forms.push(decodeURIComponent(sig));
      } catch {
        // A malformed escape: the signature as written is what a line could show.
      }
    }
  }
  return forms;
}

/** Takes the named inputs out of the environment and registers them (and their SAS parts) as secrets. */
export function captureSecretInputs(inputs: string[]): void {
  const lines: string[] = [];
  for (const input of inputs) {
    const name = envName(input);
    const value = process.env[name];
    if (value === undefined) continue;
    delete process.env[name];
    captured.set(input.toLowerCase(), value);
    // The agent refuses a secret with a line break; such a value is reported as an input error later.
    if (value.trim() && !/[\r\n]/.test(value)) {
      lines.push(...secretForms(value.trim()).map((s) => new TaskCommand('task.setsecret', {}, s).toString()));
    }
  }
  if (lines.length) {
    process.stdout.write(lines.join(os.EOL) + os.EOL);
  }
}

/** A captured input's value, or undefined when it was not captured. */
export function capturedInput(name: string): string | undefined {
  return captured.get(name.toLowerCase());
}
