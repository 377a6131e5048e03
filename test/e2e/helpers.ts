/**
 * Shared helpers of the black-box tests: run the BUNDLED task (tasks/LcsDatabaseBackupsV1/dist/index.js)
 * the way the agent does, against the local emulator, and check what must hold for every run.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import {
  EMULATOR_CLIENT_ID, EMULATOR_PASSWORD, EMULATOR_USERNAME, SAMPLE_PROJECT_ID, startEmulator,
  type Emulator, type RawBackup, type RecordedRequest,
} from '../emulator/emulator';
import { parseVsoLine, runTask, type EndpointSpec, type TaskRun } from '../support/agent';
import { findRepoRoot } from '../support/repo';

export const TASK_SCRIPT = path.join(findRepoRoot(__dirname), 'tasks', 'LcsDatabaseBackupsV1', 'dist', 'index.js');
export const ENDPOINT_ID = 'LcsE2eConnection';
export const PROJECT_ID = String(SAMPLE_PROJECT_ID);
export const SUMMARY_TYPE = 'Distributedtask.Core.Summary';
export const LIST_PATH = `/databasemovement/v1/databases/project/${PROJECT_ID}`;
export const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

export interface E2eOptions {
  /** Merged over the defaults; `undefined` removes an input. */
  inputs?: Record<string, string | undefined>;
  /** Merged over the emulator's connection; `undefined` removes a field. */
  endpoint?: Partial<Record<keyof EndpointSpec, string | undefined>>;
  env?: Record<string, string>;
  /** Default: the emulator's CA (NODE_EXTRA_CA_CERTS); null: no NODE_EXTRA_CA_CERTS at all. */
  caFile?: string | null;
  timeoutMs?: number;
}

const tempDirs: string[] = [];

/** Runs the bundled task with the defaults of a working databaseMovement setup, plus overrides. */
export async function runLcsTask(emu: Emulator, options: E2eOptions = {}): Promise<TaskRun> {
  assert.ok(existsSync(TASK_SCRIPT), `The bundled task is missing (${TASK_SCRIPT}): run npm run build first.`);
  const inputs: Record<string, string | undefined> = {
    connectionType: 'databaseMovement',
    lcsConnection: ENDPOINT_ID,
    projectId: PROJECT_ID,
    // Small limits, so a failure case never waits long; tests override them where it matters.
    requestTimeoutSeconds: '5',
    retryBudgetSeconds: '10',
    ...options.inputs,
  };
  const endpoint: Record<string, string | undefined> = {
    url: emu.authority,
    apiurl: emu.apiUrl,
    username: EMULATOR_USERNAME,
    password: EMULATOR_PASSWORD,
    clientid: EMULATOR_CLIENT_ID,
    ...options.endpoint,
  };
  const run = await runTask({
    script: TASK_SCRIPT,
    inputs: defined(inputs),
    endpoints: { [ENDPOINT_ID]: defined(endpoint) as unknown as EndpointSpec },
    env: options.env,
    caFile: options.caFile === null ? undefined : (options.caFile ?? emu.caFile),
    timeoutMs: options.timeoutMs ?? 25_000,
  });
  tempDirs.push(run.tempDir);
  return run;
}

function defined(record: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}

/** Deletes the agent temp directories of finished runs (call in afterEach). */
export function cleanupRuns(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** One emulator for a test file: started in before(), reset in beforeEach(), closed in after(). */
export function useEmulator(): { readonly emu: Emulator } {
  const holder: { emu?: Emulator } = {};
  before(async () => { holder.emu = await startEmulator(); });
  beforeEach(() => holder.emu?.reset());
  afterEach(() => cleanupRuns());
  after(async () => { await holder.emu?.close(); });
  return { get emu(): Emulator { assert.ok(holder.emu, 'emulator not started'); return holder.emu; } };
}

/** Every form in which a served download URL could leak: the URL, the URL without its query, its signature. */
export function fileLocationSecrets(backups: readonly RawBackup[]): string[] {
  const out = new Set<string>();
  for (const b of backups) {
    if (!b.FileLocation) continue;
    out.add(b.FileLocation);
    out.add(b.FileLocation.split('?')[0]);
    const sig = /[?&]sig=([^&]+)/.exec(b.FileLocation)?.[1];
    if (sig) {
      out.add(sig);
      out.add(decodeURIComponent(sig));
    }
  }
  return [...out];
}

/** stdout and stderr as lines, in arrival order. */
function allLines(run: TaskRun): string[] {
  return run.output.map((l) => l.text);
}

/** A line that is allowed to carry a secret: registering it, or publishing FileLocation. */
function mayCarrySecret(line: string): boolean {
  return line.startsWith('##vso[task.setsecret]') || line.startsWith('##vso[task.setvariable variable=FileLocation;');
}

/**
 * What holds for every run: it ended by itself; no stack trace; no line except the setsecret
 * commands and the FileLocation output carries the password, an issued token or a download URL.
 */
export function assertInvariants(run: TaskRun, emu: Emulator, options: { extraSecrets?: string[]; backups?: readonly RawBackup[] } = {}): void {
  const context = (): string => `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  assert.equal(run.timedOut, false, `the task did not finish in time (killed after ${Math.round(run.durationMs)} ms)${context()}`);
  assert.notEqual(run.exitCode, null, 'the task has no exit code');
  assert.doesNotMatch(run.stdout, STACK_TRACE, `stack trace in stdout${context()}`);
  assert.doesNotMatch(run.stderr, STACK_TRACE, `stack trace in stderr${context()}`);
  const named: [string, string][] = [
    ['the connection password', EMULATOR_PASSWORD],
    ...emu.issuedTokens.map((t): [string, string] => ['an issued access token', t]),
    ...emu.issuedRefreshTokens.map((t): [string, string] => ['an issued refresh token', t]),
    ...fileLocationSecrets(options.backups ?? emu.backups).map((f): [string, string] => ['a download URL (FileLocation) or its signature', f]),
    ...(options.extraSecrets ?? []).map((s): [string, string] => ['an extra secret', s]),
  ];
  for (const line of allLines(run)) {
    if (mayCarrySecret(line)) continue;
    // task-lib escapes `%` in commands (`%AZP25`): check what the agent reads, too.
    const command = parseVsoLine(line);
    const texts = command ? [line, command.message, ...Object.values(command.properties)] : [line];
    for (const [what, secret] of named) {
      for (const text of texts) assert.ok(!text.includes(secret), `${what} appears in an output line: ${line.slice(0, 300)}`);
    }
  }
}

/** Runs the invariants and returns the run, for one-line use. */
export async function runChecked(emu: Emulator, options: E2eOptions = {}, extraSecrets: string[] = []): Promise<TaskRun> {
  const run = await runLcsTask(emu, options);
  assertInvariants(run, emu, { extraSecrets });
  return run;
}

export function describeRun(run: TaskRun): string {
  return `\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

export function assertResult(run: TaskRun, expected: 'Succeeded' | 'SucceededWithIssues' | 'Failed'): void {
  assert.equal(run.result?.result, expected, `expected result ${expected}, got ${run.result?.result} (${run.result?.message})${describeRun(run)}`);
  const completes = run.commands.filter((c) => c.command.toLowerCase() === 'task.complete');
  assert.equal(completes.length, 1, `expected exactly one task.complete, got ${completes.length}`);
  // Whatever runs the task outside the agent (a wrapper script, npm run local) sees a failure by the exit code.
  assert.equal(run.exitCode, expected === 'Failed' ? 1 : 0, `exit code ${run.exitCode} for result ${expected}${describeRun(run)}`);
}

/** A failed run: one error issue, returned for further checks. */
export function singleError(run: TaskRun): string {
  assertResult(run, 'Failed');
  assert.equal(run.errors.length, 1, `expected one error issue, got ${JSON.stringify(run.errors)}${describeRun(run)}`);
  return run.errors[0];
}

export function tokenRequests(emu: Emulator): RecordedRequest[] {
  return emu.requests.filter((r) => r.method === 'POST' && /\/oauth2\/v2\.0\/token(\?|$)/.test(r.path));
}

export function listRequests(emu: Emulator): RecordedRequest[] {
  return emu.requests.filter((r) => r.path.split('?')[0].startsWith('/databasemovement/'));
}

/** LCS timestamps carry no offset and mean UTC; Date.parse needs at most 3 fractional digits. */
export function lcsTime(value: string | null): number {
  assert.ok(value, 'timestamp missing');
  return Date.parse(`${value.replace(/(\.\d{3})\d+$/, '$1')}Z`);
}

/** The newest backup by a timestamp field, computed independently of the task. */
export function newestBy(backups: readonly RawBackup[], field: 'CreatedDateTime' | 'ModifiedDateTime'): RawBackup {
  const usable = backups.filter((b) => b.Id && b.FileLocation && b[field]);
  assert.ok(usable.length > 0, 'no usable backup');
  return usable.reduce((a, b) => (lcsTime(b[field]) > lcsTime(a[field]) ? b : a));
}

/** ISO 8601 UTC with Z, as the task publishes BackupCreatedDateTime (trailing zero ticks dropped). */
export function isoUtc(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?$/.exec(value);
  assert.ok(m, `unexpected LCS timestamp ${value}`);
  const fraction = (m[2] ?? '').padEnd(7, '0');
  const extra = fraction.slice(3).replace(/0+$/, '');
  return `${m[1]}.${fraction.slice(0, 3)}${extra}Z`;
}

/** The `se=` expiry of a SAS URL as the task publishes it (ISO, seconds, Z). */
export function sasExpiryIso(fileLocation: string): string {
  const se = new URL(fileLocation).searchParams.get('se');
  assert.ok(se, 'no se= in the SAS URL');
  return new Date(se).toISOString().replace(/\.000Z$/, 'Z');
}

/** The content of the run's summary attachment. */
export function summaryOf(run: TaskRun): string {
  const attachment = run.attachments.find((a) => a.type === SUMMARY_TYPE);
  assert.ok(attachment, `no ${SUMMARY_TYPE} attachment: ${JSON.stringify(run.attachments)}`);
  assert.ok(attachment.name.length > 0, 'the summary attachment has no name');
  assert.ok(existsSync(attachment.path), `summary file missing: ${attachment.path}`);
  return readFileSync(attachment.path, 'utf8');
}

/** Markdown text with backslash escapes removed, for "does it mention X" checks. */
export function unescapeMarkdown(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Positions of `|` not escaped by a backslash (a `\\` pair escapes itself). */
export function unescapedPipes(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') count++;
  }
  return count;
}

/** Whether the line has an unescaped `](`: the middle of a Markdown link or image. */
export function hasUnescapedLink(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === ']' && line[i + 1] === '(') return true;
  }
  return false;
}

/** The log's backup table: header, rows, and the "older matching backups" line if any. */
export function logTable(run: TaskRun): { header: string; rows: string[]; more?: string } {
  const lines = run.plainLines;
  const start = lines.findIndex((l) => /^\s+Name\s+File name\s+Created \(UTC\)\s+Modified \(UTC\)\s+Age\s*$/.test(l));
  assert.ok(start >= 0, `no backup table header in the log${describeRun(run)}`);
  const rows: string[] = [];
  let more: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (/older matching backups/.test(line)) { more = line; break; }
    rows.push(line);
  }
  return { header: lines[start], rows, more };
}

export function outputValue(run: TaskRun, name: string): string {
  const variable = run.variables[name];
  assert.ok(variable, `output variable ${name} not set${describeRun(run)}`);
  assert.equal(variable.isOutput, true, `${name} is not an output variable`);
  return variable.value;
}

/** An error/warning must name the code/field; normalizes nothing, just a readable assertion. */
export function assertMentions(text: string, ...patterns: (string | RegExp)[]): void {
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(text.includes(p), `expected ${JSON.stringify(p)} in: ${text}`);
    else assert.match(text, p);
  }
}
