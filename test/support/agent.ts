/**
 * Runs a task script the way the Azure Pipelines agent does (clean environment, inputs and service
 * connections as environment variables, a temp directory) and turns what it prints into data.
 * Black-box: it works on the bundled task exactly as the agent would run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentLogRenderer, isCommand, parseVsoLine, secretRegisteredBy, splitLines, vsoProperty, type VsoCommand } from './vso';

export { parseVsoCommands, parseVsoLine, vsoProperty, AgentLogRenderer, type VsoCommand } from './vso';

export interface EndpointSpec {
  url: string;
  username?: string;
  password?: string;
  clientid?: string;
  apiurl?: string;
  /** Default 'UsernamePassword'. */
  scheme?: string;
  /** More authorization parameters (an Azure Resource Manager connection's tenantid, ...). */
  parameters?: Record<string, string>;
  /** More data parameters (environment, ...). */
  data?: Record<string, string>;
}

export interface RunOptions {
  /** Absolute path to a .js file. */
  script: string;
  /** Task inputs by name as in task.json, e.g. `{ projectId: '1234567' }`. */
  inputs: Record<string, string>;
  /** Service connections by endpoint id (what a `connectedService:` input holds). */
  endpoints?: Record<string, EndpointSpec>;
  /** Applied last, over everything the agent sets (e.g. SYSTEM_DEBUG, AGENT_PROXYURL). */
  env?: Record<string, string>;
  /** Becomes NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  /** Default 60000; the child is killed and the run marked timedOut. */
  timeoutMs?: number;
  nodeArgs?: string[];
  /** Ends the process early (the run is then like a killed agent job): `killSignal`, default SIGKILL. */
  signal?: AbortSignal;
  killSignal?: NodeJS.Signals;
  /** Called for every output line as it arrives (for streaming to a terminal). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Cancel the step the way the agent does, once a stdout line matches `afterLine`. */
  cancel?: CancelSpec;
}

/**
 * The agent cancels a step by sending SIGINT, then SIGTERM if the process is still there a while
 * later. `signals` are sent `gapMs` apart (default SIGINT then SIGTERM, 5 s apart) until the child exits.
 */
export interface CancelSpec {
  afterLine: RegExp;
  /** Wait this long after the line before the first signal (default 0: at once). */
  delayMs?: number;
  signals?: NodeJS.Signals[];
  gapMs?: number;
}

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface TaskRun {
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** stdout lines. */
  lines: string[];
  commands: VsoCommand[];
  result?: { result: string; message: string };
  variables: Record<string, { value: string; isSecret: boolean; isOutput: boolean }>;
  /** Values registered with `task.setsecret`. */
  secrets: string[];
  warnings: string[];
  errors: string[];
  debug: string[];
  attachments: { type: string; name: string; path: string }[];
  /** stdout lines that are not ##vso commands. */
  plainLines: string[];
  /** stdout and stderr lines in arrival order. */
  output: OutputLine[];
  /** Values the agent masks from the start (the connections' passwords). */
  agentSecrets: string[];
  /** AGENT_TEMPDIRECTORY; kept after the run so attachments can be read. Delete it when done. */
  tempDir: string;
  /** The working directory (SYSTEM_DEFAULTWORKINGDIRECTORY) inside tempDir. */
  workDir: string;
  /** With `cancel`: ms after the start when the first signal was sent (undefined if the line never came). */
  cancelledAtMs?: number;
  /** With `cancel`: the signals actually sent, in order. */
  signalsSent: NodeJS.Signals[];
}

export const AGENT_VERSION = '4.266.2';

/** What azure-pipelines-task-lib does to a variable or input name to find its env var. */
export function envName(name: string): string {
  return name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
}

function agentOs(): string {
  if (process.platform === 'win32') return 'Windows_NT';
  return process.platform === 'darwin' ? 'Darwin' : 'Linux';
}

/** Only what a child needs to run at all; the developer's own env (proxies, tokens) must not leak in. */
function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'SYSTEMROOT', 'HOME', 'TMPDIR', 'TEMP', 'TMP']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** The variables the agent sets for one service connection. The id is kept as-is: task-lib looks it up verbatim. */
function endpointEnvironment(id: string, spec: EndpointSpec): Record<string, string> {
  const scheme = spec.scheme ?? 'UsernamePassword';
  const parameters: Record<string, string> = {};
  if (spec.username !== undefined) parameters.username = spec.username;
  if (spec.password !== undefined) parameters.password = spec.password;
  if (spec.clientid !== undefined) parameters.clientid = spec.clientid;
  Object.assign(parameters, spec.parameters);
  const data: Record<string, string> = { ...spec.data };
  if (spec.apiurl !== undefined) data.apiurl = spec.apiurl;

  const env: Record<string, string> = {
    [`ENDPOINT_URL_${id}`]: spec.url,
    [`ENDPOINT_AUTH_${id}`]: JSON.stringify({ parameters, scheme }),
    [`ENDPOINT_AUTH_SCHEME_${id}`]: scheme,
    [`ENDPOINT_DATA_${id}`]: JSON.stringify(data),
  };
  for (const [key, value] of Object.entries(parameters)) env[`ENDPOINT_AUTH_PARAMETER_${id}_${key.toUpperCase()}`] = value;
  for (const [key, value] of Object.entries(data)) env[`ENDPOINT_DATA_${id}_${key.toUpperCase()}`] = value;
  return env;
}

/** The exact environment the child process gets. Pure: creates no directories. */
export function agentEnvironment(opts: RunOptions, tempDir: string): Record<string, string> {
  const workDir = path.join(tempDir, 's');
  const env: Record<string, string> = {
    ...baseEnvironment(),
    AGENT_TEMPDIRECTORY: tempDir,
    AGENT_WORKFOLDER: tempDir,
    AGENT_VERSION,
    AGENT_NAME: 'lcs-local-agent',
    AGENT_OS: agentOs(),
    AGENT_JOBNAME: 'Job',
    SYSTEM_DEFAULTWORKINGDIRECTORY: workDir,
    BUILD_SOURCESDIRECTORY: workDir,
    SYSTEM_HOSTTYPE: 'build',
    SYSTEM_TEAMPROJECT: 'Contoso',
    SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/contoso/',
    BUILD_BUILDID: '1',
    TF_BUILD: 'True',
  };
  for (const [name, value] of Object.entries(opts.inputs)) env[`INPUT_${envName(name)}`] = value;
  for (const [id, spec] of Object.entries(opts.endpoints ?? {})) Object.assign(env, endpointEnvironment(id, spec));
  if (opts.caFile) env.NODE_EXTRA_CA_CERTS = opts.caFile;
  return { ...env, ...(opts.env ?? {}) };
}

/** Collects a stream into lines, calling `onLine` as each completes (the last one on flush). */
class LineSplitter {
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    const lines = (this.pending + chunk).split(/\r?\n/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }
  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }
}

interface ProcessResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  output: OutputLine[];
  cancelledAtMs?: number;
  signalsSent: NodeJS.Signals[];
}

/** Sends the cancel signals to `child` once, from the first stdout line matching the spec. */
class Canceller {
  cancelledAtMs?: number;
  readonly sent: NodeJS.Signals[] = [];
  private matched = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly child: ChildProcess,
    private readonly spec: CancelSpec | undefined,
    private readonly started: number,
  ) {}

  onLine(text: string): void {
    if (!this.spec || this.matched || !this.spec.afterLine.test(text)) return;
    this.matched = true;
    const signals = [...(this.spec.signals ?? ['SIGINT', 'SIGTERM'])];
    if (this.spec.delayMs) this.timer = setTimeout(() => this.send(signals), this.spec.delayMs);
    else this.send(signals);
  }

  private send(signals: NodeJS.Signals[]): void {
    const signal = signals.shift();
    if (!signal || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.cancelledAtMs ??= performance.now() - this.started;
    this.child.kill(signal);
    this.sent.push(signal);
    if (signals.length > 0) this.timer = setTimeout(() => this.send(signals), this.spec?.gapMs ?? 5_000);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

function runProcess(opts: RunOptions, env: Record<string, string>, cwd: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const canceller = new Canceller(child, opts.cancel, started);
    const output: OutputLine[] = [];
    const chunks = { stdout: [] as string[], stderr: [] as string[] };
    const splitters = {
      stdout: new LineSplitter((text) => {
        output.push({ stream: 'stdout', text });
        opts.onLine?.(text, 'stdout');
        canceller.onLine(text);
      }),
      stderr: new LineSplitter((text) => {
        output.push({ stream: 'stderr', text });
        opts.onLine?.(text, 'stderr');
      }),
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        chunks[stream].push(chunk);
        splitters[stream].push(chunk);
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    const kill = (): void => {
      child.kill(opts.killSignal ?? 'SIGKILL');
    };
    if (opts.signal?.aborted) kill();
    else opts.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (error) => {
      clearTimeout(timer);
      canceller.stop();
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      canceller.stop();
      opts.signal?.removeEventListener('abort', kill);
      splitters.stdout.flush();
      splitters.stderr.flush();
      resolve({
        exitCode: code,
        timedOut,
        stdout: chunks.stdout.join(''),
        stderr: chunks.stderr.join(''),
        output,
        cancelledAtMs: canceller.cancelledAtMs,
        signalsSent: canceller.sent,
      });
    });
  });
}

export async function runTask(opts: RunOptions): Promise<TaskRun> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'lcs-task-'));
  const env = agentEnvironment(opts, tempDir);
  const workDir = env.SYSTEM_DEFAULTWORKINGDIRECTORY;
  await mkdir(workDir, { recursive: true });
  const started = performance.now();
  const proc = await runProcess(opts, env, workDir);
  const durationMs = performance.now() - started;
  const agentSecrets = Object.values(opts.endpoints ?? {})
    .map((e) => e.password ?? '')
    .filter((p) => p !== '');
  return { ...proc, durationMs, tempDir, workDir, agentSecrets, ...interpretStdout(proc.stdout) };
}

type Interpreted = Pick<TaskRun, 'lines' | 'commands' | 'result' | 'variables' | 'secrets' | 'warnings' | 'errors' | 'debug' | 'attachments' | 'plainLines'>;

/** What the agent would do with each line of stdout, without side effects. */
export function interpretStdout(stdout: string): Interpreted {
  const run: Interpreted = {
    lines: splitLines(stdout),
    commands: [],
    variables: {},
    secrets: [],
    warnings: [],
    errors: [],
    debug: [],
    attachments: [],
    plainLines: [],
  };
  for (const line of run.lines) {
    const command = parseVsoLine(line);
    if (command) {
      run.commands.push(command);
      applyCommand(run, command);
    } else {
      run.plainLines.push(line);
    }
  }
  return run;
}

function applyCommand(run: Interpreted, command: VsoCommand): void {
  const isTrue = (key: string): boolean => (vsoProperty(command, key) ?? '').trim().toLowerCase() === 'true';
  if (isCommand(command, 'task.setvariable')) {
    const name = vsoProperty(command, 'variable') ?? '';
    run.variables[name] = { value: command.message, isSecret: isTrue('issecret'), isOutput: isTrue('isoutput') };
  } else if (isCommand(command, 'task.setsecret')) {
    run.secrets.push(command.message);
  } else if (isCommand(command, 'task.issue')) {
    const type = (vsoProperty(command, 'type') ?? '').toLowerCase();
    if (type === 'warning') run.warnings.push(command.message);
    if (type === 'error') run.errors.push(command.message);
  } else if (isCommand(command, 'task.debug')) {
    run.debug.push(command.message);
  } else if (isCommand(command, 'task.complete')) {
    run.result = { result: vsoProperty(command, 'result') ?? '', message: command.message };
  } else if (isCommand(command, 'task.addattachment')) {
    run.attachments.push({ type: vsoProperty(command, 'type') ?? '', name: vsoProperty(command, 'name') ?? '', path: command.message });
  }
}

/** Every value the agent would mask by the end of the run (for grepping logs in tests). */
export function maskedValues(run: TaskRun): string[] {
  const registered = run.commands.map(secretRegisteredBy).filter((s): s is string => s !== undefined && s !== '');
  return [...new Set([...run.agentSecrets, ...registered])];
}

/**
 * The pipeline log as a person reads it: stdout and stderr lines in order, warnings/errors as
 * "WARNING: "/"ERROR: ", debug and variable commands hidden, secrets replaced by *** from the moment
 * they are registered.
 */
export function renderAgentLog(run: TaskRun, options: { showDebug?: boolean } = {}): string {
  const renderer = new AgentLogRenderer(run.agentSecrets, options.showDebug ?? false);
  const shown: string[] = [];
  const source = run.output.length > 0 ? run.output : run.lines.map((text): OutputLine => ({ stream: 'stdout', text }));
  for (const { text } of source) {
    const line = renderer.render(text);
    if (line !== undefined) shown.push(line);
  }
  return shown.join('\n');
}
