/**
 * A TaskHost that records everything a task function does, so a task runs in the test's own
 * process (fast, debuggable with breakpoints) against the emulator. It applies the agent's
 * masking to every line, as the agent would, so leak checks stay meaningful.
 */
import type { TaskHost } from '../../tasks/common/platform/host';
import type { RawEndpoint } from '../../tasks/common/platform/inputs';
import type { NetworkSettings } from '../../tasks/common/platform/networkSettings';
import { neutralize } from '../../tasks/common/text/sanitize';

export interface FakeHostOptions {
  inputs: Record<string, string>;
  endpoints?: Record<string, RawEndpoint>;
  /** Pipeline variables by name (System.OidcRequestUri, ...). */
  variables?: Record<string, string>;
  network?: Partial<NetworkSettings>;
}

export interface RecordedLine {
  kind: 'info' | 'warn' | 'debug';
  text: string;
}

export class FakeHost implements TaskHost {
  readonly lines: RecordedLine[] = [];
  readonly secrets = new Set<string>();
  readonly outputs = new Map<string, { value: string; isSecret: boolean }>();
  readonly progress: { percent: number; text: string }[] = [];
  readonly summaries: { title: string; fileName: string; markdown: string }[] = [];
  result?: { status: 'Succeeded' | 'SucceededWithIssues' | 'Failed'; message: string };
  private readonly cancelHandlers = new Set<(signal: string) => void>();

  constructor(private readonly options: FakeHostOptions) {}

  readonly inputs = {
    getInput: (name: string) => this.options.inputs[name],
    getEndpoint: (id: string) => this.options.endpoints?.[id] ?? {},
    getVariable: (name: string) => this.options.variables?.[name],
  };

  networkSettings(): NetworkSettings {
    return { proxyFor: () => undefined, ...this.options.network };
  }

  private record(kind: RecordedLine['kind'], line: string): void {
    let text = neutralize(line, 4000);
    for (const secret of this.secrets) {
      text = text.split(secret).join('***');
    }
    this.lines.push({ kind, text });
  }

  info(line: string): void {
    this.record('info', line);
  }

  warn(line: string): void {
    this.record('warn', line);
  }

  debug(line: string): void {
    this.record('debug', line);
  }

  setSecret(value: string): void {
    if (value) {
      this.secrets.add(value);
    }
  }

  setSecrets(values: Iterable<string>): void {
    for (const value of values) {
      this.setSecret(value);
    }
  }

  setOutput(name: string, value: string, isSecret = false): void {
    this.outputs.set(name, { value, isSecret });
  }

  setProgress(percent: number, text: string): void {
    this.progress.push({ percent, text });
  }

  attachSummary(title: string, fileName: string, markdown: string): void {
    this.summaries.push({ title, fileName, markdown });
  }

  succeed(message: string): void {
    this.result = { status: 'Succeeded', message };
  }

  succeedWithIssues(message: string): void {
    this.result = { status: 'SucceededWithIssues', message };
  }

  fail(message: string): void {
    this.result = { status: 'Failed', message: neutralize(message, 4000) };
  }

  onCancel(handler: (signal: string) => void): () => void {
    this.cancelHandlers.add(handler);
    return () => this.cancelHandlers.delete(handler);
  }

  /** Plays the agent cancelling the step. */
  cancel(signal = 'SIGINT'): void {
    for (const handler of [...this.cancelHandlers]) {
      this.cancelHandlers.delete(handler);
      handler(signal);
    }
  }

  /** The log as text, one line each (info, warnings and debug). */
  text(kinds: RecordedLine['kind'][] = ['info', 'warn', 'debug']): string {
    return this.lines
      .filter((l) => kinds.includes(l.kind))
      .map((l) => l.text)
      .join('\n');
  }
}
