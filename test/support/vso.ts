/**
 * Reading a task's stdout the way the Azure Pipelines agent does: `##vso[...]` logging commands,
 * `##[...]` formatting lines, and secret masking.
 */

export interface VsoCommand {
  /** `area.event`, e.g. `task.setvariable`, as printed. */
  command: string;
  /** Unescaped properties, keys as printed (look them up with `vsoProperty`, which ignores case like the agent). */
  properties: Record<string, string>;
  /** Unescaped message (the text after `]`). */
  message: string;
  /** The raw stdout line. */
  line: string;
}

const VSO_PREFIX = '##vso[';

/** Property unescaping of azure-pipelines-task-lib's taskcommand.js (`%AZP25` last, so `%AZP253B` stays `%3B`). */
export function unescapeVsoProperty(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%3B/g, ';')
    .replace(/%AZP25/g, '%');
}

/** Message unescaping of taskcommand.js: only CR, LF and `%`. */
export function unescapeVsoMessage(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%AZP25/g, '%');
}

/**
 * Parse one line. The agent finds `##vso[` anywhere in a line; the command runs to the first `]`
 * (a `]` inside a value is escaped as `%5D`). Malformed properties (no `=`) are skipped.
 */
export function parseVsoLine(line: string): VsoCommand | undefined {
  const start = line.indexOf(VSO_PREFIX);
  if (start < 0) return undefined;
  const rest = line.slice(start + VSO_PREFIX.length);
  const end = rest.indexOf(']');
  if (end < 0) return undefined;
  const info = rest.slice(0, end).trim();
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  if (!command) return undefined;
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const part of info.slice(space + 1).split(';')) {
      const trimmed = part.trim();
      const eq = trimmed.indexOf('=');
      if (eq > 0) properties[trimmed.slice(0, eq)] = unescapeVsoProperty(trimmed.slice(eq + 1));
    }
  }
  return { command, properties, message: unescapeVsoMessage(rest.slice(end + 1)), line };
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function parseVsoCommands(stdout: string): VsoCommand[] {
  return splitLines(stdout)
    .map(parseVsoLine)
    .filter((c): c is VsoCommand => c !== undefined);
}

/** The agent compares command names and property keys case-insensitively. */
export function vsoProperty(command: VsoCommand, key: string): string | undefined {
  const wanted = key.toLowerCase();
  const found = Object.keys(command.properties).find((k) => k.toLowerCase() === wanted);
  return found === undefined ? undefined : command.properties[found];
}

export function isCommand(command: VsoCommand, name: string): boolean {
  return command.command.toLowerCase() === name;
}

const isTrue = (value: string | undefined): boolean => (value ?? '').trim().toLowerCase() === 'true';

/** The secret a command registers with the agent's masker, if any. */
export function secretRegisteredBy(command: VsoCommand): string | undefined {
  if (isCommand(command, 'task.setsecret')) return command.message;
  if (isCommand(command, 'task.setvariable') && isTrue(vsoProperty(command, 'issecret'))) return command.message;
  return undefined;
}

/**
 * Replaces secrets with `***` from the moment they are registered, like the agent's secret
 * masker: a value printed before `task.setsecret` stays visible, exactly as it would in a real log.
 * The agent also masks common encodings of a secret; we cover URI- and JSON-escaped forms.
 */
export class AgentLogRenderer {
  private readonly variants: string[] = [];

  constructor(
    initialSecrets: readonly string[] = [],
    private readonly showDebug = false,
  ) {
    for (const secret of initialSecrets) this.addSecret(secret);
  }

  addSecret(secret: string): void {
    if (!secret) return;
    const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
    for (const form of forms) if (form && !this.variants.includes(form)) this.variants.push(form);
    // Longest first, so a secret containing another secret is masked whole.
    this.variants.sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let masked = text;
    for (const variant of this.variants) masked = masked.split(variant).join('***');
    return masked;
  }

  /** The line a person sees for one stdout/stderr line, or undefined when the agent shows nothing. */
  render(line: string): string | undefined {
    const command = parseVsoLine(line);
    if (command) return this.renderCommand(command);
    const format = /^##\[(\w+)\](.*)$/.exec(line);
    if (format) return this.renderFormat(format[1].toLowerCase(), format[2]);
    return this.mask(line);
  }

  private renderCommand(command: VsoCommand): string | undefined {
    const secret = secretRegisteredBy(command);
    if (secret !== undefined) this.addSecret(secret);
    if (isCommand(command, 'task.issue')) {
      const type = (vsoProperty(command, 'type') ?? '').toLowerCase();
      if (type === 'warning') return `WARNING: ${this.mask(command.message)}`;
      if (type === 'error') return `ERROR: ${this.mask(command.message)}`;
    }
    if (isCommand(command, 'task.debug') && this.showDebug) return `DEBUG: ${this.mask(command.message)}`;
    // setvariable, setsecret, complete, addattachment, setprogress, ...: the agent prints nothing.
    return undefined;
  }

  private renderFormat(kind: string, text: string): string | undefined {
    switch (kind) {
      case 'warning':
        return `WARNING: ${this.mask(text)}`;
      case 'error':
        return `ERROR: ${this.mask(text)}`;
      case 'debug':
        return this.showDebug ? `DEBUG: ${this.mask(text)}` : undefined;
      default:
        return this.mask(text); // section, command, group, endgroup: shown as text
    }
  }
}
