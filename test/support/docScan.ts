/**
 * Finds task outputs written as `$(step.Output)` macros where the agent would paste them into
 * script text: YAML `script:`/`bash:`/`pwsh:`/`powershell:`/`inlineScript:`/`arguments:`
 * values, shell code blocks, and inline code that is a command rather than a mapping. The agent
 * substitutes macros before the shell reads the script, so a backup name there runs as code.
 * Mappings (`env:` or `variables:` entries, task inputs) and a bare `$(step.Output)` reference
 * are fine: there the value stays data.
 */

export interface Finding {
  source: string;
  /** 1-based line in the scanned text. */
  line: number;
  text: string;
  why: string;
}

/** Keys whose value is script text or a command line (any case; step shortcuts and task inputs). */
const SCRIPT_KEYS = new Set([
  'script',
  'bash',
  'pwsh',
  'powershell',
  'inlinescript',
  'inline',
  'arguments',
  'scriptarguments',
  'args',
  'command',
  'commandline',
]);
const YAML_LANGUAGES = new Set(['yaml', 'yml']);
/** `- key: value` or `key: value`, with the key's column. */
const YAML_KEY = /^(\s*(?:-\s+)?)([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$/;

/** A macro naming one of `outputs` behind any step name, e.g. `$(lcs.BackupName)`; case-insensitive like the agent. */
export function outputMacro(outputs: readonly string[]): RegExp {
  return new RegExp(`\\$\\(\\s*[^()\\s]+\\.(?:${outputs.join('|')})\\s*\\)`, 'i');
}

/** Whether an inline code span with a macro is a mapping or a bare reference rather than a command. */
function isMappingOrReference(span: string): boolean {
  const m = /^\s*(?:env:\s*\{\s*)?(?:([A-Za-z_][\w.-]*)\s*[:=]\s*)?\$\([^()]*\)\s*\}?\s*$/.exec(span);
  return m !== null && !(m[1] && SCRIPT_KEYS.has(m[1].toLowerCase()));
}

/** Inline code spans of a line of Markdown prose (single or double backticks). */
function inlineSpans(line: string): string[] {
  const spans: string[] = [];
  const re = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) spans.push(m[2]);
  return spans;
}

function scanProseLine(line: string, source: string, lineNo: number, macro: RegExp): Finding[] {
  return inlineSpans(line)
    .filter((span) => macro.test(span) && !isMappingOrReference(span))
    .map((span) => ({ source, line: lineNo, text: span, why: 'inline code that is a command, not an env:/variables: mapping' }));
}

/**
 * The lines of a YAML snippet that are script text: a script key's value, and the indented block
 * that follows a script key. Returned as [index, text] pairs.
 */
export function yamlScriptLines(lines: readonly string[]): [number, string][] {
  const out: [number, string][] = [];
  let blockColumn = -1;
  lines.forEach((line, i) => {
    const indent = line.length - line.trimStart().length;
    if (blockColumn >= 0 && (line.trim() === '' || indent > blockColumn)) {
      out.push([i, line]);
      return;
    }
    blockColumn = -1;
    const m = YAML_KEY.exec(line);
    if (m && SCRIPT_KEYS.has(m[2].toLowerCase())) {
      out.push([i, m[3] ?? '']);
      blockColumn = m[1].length;
    }
  });
  return out;
}

/**
 * Variables a snippet maps from outputs (`backupName: $[ dependencies.find.outputs['lcs.BackupName'] ]`):
 * `$(backupName)` in script text is the same output pasted in.
 */
export function mappedOutputVariables(lines: readonly string[], outputs: readonly string[]): string[] {
  const mapping = new RegExp(`^\\s*(?:-\\s+)?([A-Za-z_][\\w.]*)\\s*:\\s*\\$\\[.*\\boutputs\\[\\s*'[^']*\\.(?:${outputs.join('|')})'\\s*\\]`, 'i');
  return lines.map((line) => mapping.exec(line)?.[1]).filter((name): name is string => name !== undefined);
}

function scanYaml(lines: readonly string[], source: string, firstLine: number, outputs: readonly string[]): Finding[] {
  const mapped = mappedOutputVariables(lines, outputs).map((n) => n.replace(/\./g, '\\.'));
  const macro = new RegExp(`${outputMacro(outputs).source}${mapped.length ? `|\\$\\(\\s*(?:${mapped.join('|')})\\s*\\)` : ''}`, 'i');
  return yamlScriptLines(lines)
    .filter(([, text]) => macro.test(text))
    .map(([i, text]) => ({ source, line: firstLine + i, text: text.trim(), why: 'a task output macro inside script text or arguments' }));
}

/** Scans a Markdown document (or a Markdown help text) for task outputs pasted into script text. */
export function scanMarkdown(markdown: string, source: string, outputs: readonly string[]): Finding[] {
  const macro = outputMacro(outputs);
  const lines = markdown.split(/\r?\n/);
  const findings: Finding[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!fence) {
      findings.push(...scanProseLine(lines[i], source, i + 1, macro));
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence[1]));
    const body = lines.slice(i + 1, end < 0 ? lines.length : end);
    const language = fence[2].toLowerCase();
    if (YAML_LANGUAGES.has(language)) {
      findings.push(...scanYaml(body, source, i + 2, outputs));
    } else if (language === 'markdown' || language === 'md') {
      findings.push(...scanMarkdown(body.join('\n'), source, outputs).map((f) => ({ ...f, line: f.line + i + 1 })));
    } else {
      // Shell code, logs and anything unlabelled: no output macro at all.
      body.forEach((text, j) => {
        if (macro.test(text)) findings.push({ source, line: i + 2 + j, text: text.trim(), why: `a task output macro in a ${language || 'code'} block` });
      });
    }
    i = end < 0 ? lines.length : end;
  }
  return findings;
}

/** Every string inside a JSON value (task.json, vss-extension.json), with its JSON path. */
export function jsonStrings(value: unknown, path = '$'): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => jsonStrings(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => jsonStrings(v, `${path}.${k}`));
  }
  return [];
}

export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.source}:${f.line}: ${f.why}: ${f.text}`).join('\n');
}
