/**
 * Shared helpers of the black-box tests: run a BUNDLED task (tasks/<Task>/dist/index.js; by default
 * LcsDatabaseBackupsV1)
 * the way the agent does, against the local emulator, and check what must hold for every run.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import {
  EMULATOR_CLIENT_ID,
  EMULATOR_PASSWORD,
  EMULATOR_USERNAME,
  SAMPLE_PROJECT_ID,
  type Emulator,
  type RawBackup,
  type RecordedRequest,
} from '../emulator/emulator';
import { parseVsoLine, runTask, type CancelSpec, type EndpointSpec, type TaskRun } from '../support/agent';
import { taskScript } from '../support/repo';
import { useEmulator as useSharedEmulator } from '../support/useEmulator';

export const TASK_SCRIPT = taskScript('LcsDatabaseBackupsV1');
export const ENDPOINT_ID = 'LcsE2eConnection';
export const PROJECT_ID = String(SAMPLE_PROJECT_ID);
export const SUMMARY_TYPE = 'Distributedtask.Core.Summary';
export const LIST_PATH = `/databasemovement/v1/databases/project/${PROJECT_ID}`;
export const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

export interface E2eOptions {
  /** The task folder to run, e.g. 'LcsDatabaseExportV1'; default LcsDatabaseBackupsV1. */
  task?: string;
  /** Merged over the defaults; `undefined` removes an input. */
  inputs?: Record<string, string | undefined>;
  /** Merged over the emulator's connection; `undefined` removes a field. */
  endpoint?: Partial<Record<keyof EndpointSpec, string | undefined>>;
  env?: Record<string, string>;
  /** More service connections (an Azure Resource Manager one, SystemVssConnection). */
  endpoints?: Record<string, EndpointSpec>;
  /** Default: the emulator's CA (NODE_EXTRA_CA_CERTS); null: no NODE_EXTRA_CA_CERTS at all. */
  caFile?: string | null;
  timeoutMs?: number;
  /** Cancel the step as the agent does (SIGINT, then SIGTERM) once a stdout line matches. */
  cancel?: CancelSpec;
  /** Called for every output line as it arrives, e.g. to script the emulator mid-run. */
  onLine?: (line: string) => void;
  /** Kills the task when aborted (killSignal, default SIGKILL). */
  signal?: AbortSignal;
  killSignal?: NodeJS.Signals;
}

const tempDirs: string[] = [];

/** Runs the bundled task with the defaults of a working databaseMovement setup, plus overrides. */
export async function runLcsTask(emu: Emulator, options: E2eOptions = {}): Promise<TaskRun> {
  const script = options.task ? taskScript(options.task) : TASK_SCRIPT;
  assert.ok(existsSync(script), `The bundled task is missing (${script}): run npm run build first.`);
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
    script,
    inputs: defined(inputs),
    endpoints: { [ENDPOINT_ID]: defined(endpoint) as unknown as EndpointSpec, ...options.endpoints },
    env: options.env,
    caFile: options.caFile === null ? undefined : (options.caFile ?? emu.caFile),
    timeoutMs: options.timeoutMs ?? 25_000,
    cancel: options.cancel,
    onLine: options.onLine,
    signal: options.signal,
    killSignal: options.killSignal,
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

/** One emulator for a test file (test/support/useEmulator.ts), and each run's temp directory deleted after its test. */
export function useEmulator(): { readonly emu: Emulator } {
  afterEach(() => cleanupRuns());
  return useSharedEmulator();
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

/** Every request to the LCS API (any operation). */
export function listRequests(emu: Emulator): RecordedRequest[] {
  return emu.requests.filter((r) => r.path.split('?')[0].startsWith('/databasemovement/'));
}

/** The LCS requests of one operation: list backups, export or refresh start, fetch status. */
export function lcsRequests(emu: Emulator, operation: 'databases' | 'export' | 'refresh' | 'fetchstatus'): RecordedRequest[] {
  return emu.requests.filter((r) => r.path.split('?')[0].startsWith(`/databasemovement/v1/${operation}/`));
}

/** Environment ids of the operation tests: a production environment and two sandboxes. */
export const ENV_PROD = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const ENV_UAT = '6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
export const ENV_TEST = '0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f';

/** Waits that fit a test: one status request a second, at most 30 s. */
export const QUICK_WAIT = { pollIntervalSeconds: '1', timeoutMinutes: '0.5' };

/** The plain log lines that report a state change ("<time>  <kind> <state> (after ...)"). */
export function stateLines(run: TaskRun): string[] {
  return run.plainLines.filter((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}\S+ \S+ \(after /.test(l));
}

/** Index of the first stdout line matching, or -1; for "this was printed before that" checks. */
export function lineIndex(run: TaskRun, pattern: RegExp): number {
  return run.lines.findIndex((l) => pattern.test(l));
}

/** Tokens that live 3 s and an operation that runs about 4 s: the token must be renewed during the wait. */
export function expireTokensDuringWait(emu: Emulator): void {
  emu.tokenLifetimeSeconds = 3;
  emu.operationScript = ['NotStarted', 'InProgress', 'InProgress', 'InProgress', 'Completed'];
}

/** The token was renewed (a second token request, logged), every token masked, no request sent with an expired one. */
export function assertTokenRenewed(run: TaskRun, emu: Emulator): void {
  assert.ok(tokenRequests(emu).length >= 2, `token requests: ${tokenRequests(emu).length}`);
  assertFreshTokens(emu);
  assert.ok(
    run.plainLines.some((l) => /Renewed the access token/.test(l)),
    `no renewal line${describeRun(run)}`,
  );
  for (const token of emu.issuedTokens) assert.ok(run.secrets.includes(token), 'every renewed token is registered as a secret');
}

/** Whether every LCS request carried a token that was issued and not yet expired when it arrived. */
export function assertFreshTokens(emu: Emulator): void {
  for (const r of listRequests(emu)) {
    const token = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];
    assert.ok(token && emu.issuedTokens.includes(token), `${r.method} ${r.path} without an issued token`);
    const expiry = emu.tokenExpiry.get(token) ?? 0;
    assert.ok(r.at < expiry, `${r.method} ${r.path} sent with a token that had expired ${r.at - expiry} ms before`);
  }
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
    if (/older matching backups/.test(line)) {
      more = line;
      break;
    }
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
