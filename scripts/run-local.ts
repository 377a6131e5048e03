/**
 * `npm run local`: run the bundled task from a terminal against a REAL LCS project, with the same
 * environment the agent would give it. Credentials come only from environment variables: an
 * argument would end up in shell history and in every process listing on the machine.
 */
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '../test/support/repo';
import { AgentLogRenderer, runTask, type TaskRun } from '../test/support/agent';

const ENDPOINT_ID = 'LcsLocal';
const STEP_NAME = 'lcs';
const REQUIRED = ['LCS_USERNAME', 'LCS_PASSWORD', 'LCS_CLIENT_ID', 'LCS_PROJECT_ID'] as const;
const DEFAULT_API_URL = 'https://lcsapi.lcs.dynamics.com';
const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/organizations';
/** Long enough for the task's default retry budget (300 s) plus its requests. */
const TIMEOUT_MS = 10 * 60_000;

const USAGE = `Run the LCS database backups task locally against your LCS project.

Credentials are read ONLY from environment variables, never from arguments.

Required:
  LCS_USERNAME          account without MFA, e.g. pipeline@contoso.com
  LCS_PASSWORD          its password
  LCS_CLIENT_ID         application (client) id of the public-client app registration
  LCS_PROJECT_ID        numeric LCS project id (from https://lcs.dynamics.com/V2/ProjectOverview/<id>)
Optional:
  LCS_API_URL           default ${DEFAULT_API_URL} (e.g. https://lcsapi.eu.lcs.dynamics.com)
  LCS_AUTHORITY         default ${DEFAULT_AUTHORITY}
  LCS_NAME_FILTER       wildcard patterns for the backup name, one per line (e.g. UAT*)
  LCS_FILE_NAME_FILTER  wildcard patterns for the file name, one per line (e.g. *.bacpac)
  LCS_NEWEST_BY         created (default) or modified
  LCS_MAX_AGE_DAYS      fail when the newest backup is older than this
  HTTPS_PROXY           passed to the task as the agent's proxy (Agent.ProxyUrl)
Options:
  --debug               also show the task's debug messages (System.Debug=true)
  --help                this text

bash (the password is read without echo):
  export LCS_USERNAME=pipeline@contoso.com LCS_CLIENT_ID=<client id> LCS_PROJECT_ID=1234567
  read -rsp 'LCS password: ' LCS_PASSWORD; echo; export LCS_PASSWORD
  npm run local
  unset LCS_PASSWORD

PowerShell (the password is read without echo):
  $env:LCS_USERNAME = 'pipeline@contoso.com'; $env:LCS_CLIENT_ID = '<client id>'; $env:LCS_PROJECT_ID = '1234567'
  $env:LCS_PASSWORD = [System.Net.NetworkCredential]::new('', (Read-Host 'LCS password' -AsSecureString)).Password
  npm run local
  Remove-Item Env:LCS_PASSWORD`;

interface Settings {
  username: string;
  password: string;
  clientId: string;
  projectId: string;
  apiUrl: string;
  authority: string;
  debug: boolean;
}

type ParsedArgs = { kind: 'help' } | { kind: 'run'; debug: boolean } | { kind: 'refuse'; message: string };

/** Anything that is not a known flag may be a secret pasted by mistake: never echo it back. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let debug = false;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--debug') { debug = true; continue; }
    if (looksLikeCredential(arg)) {
      return { kind: 'refuse', message: 'An argument looks like a credential. Pass credentials only as environment variables (see below);' +
        ' if it was a real password, it is now in your shell history: consider changing it.' };
    }
    return { kind: 'refuse', message: 'Unknown argument (not repeated here in case it is sensitive). This script takes no arguments besides --debug and --help.' };
  }
  return { kind: 'run', debug };
}

export function looksLikeCredential(arg: string): boolean {
  return /pass|pwd|secret|token|client|user|@|=/i.test(arg) || (arg.length >= 12 && !arg.startsWith('--'));
}

function readSettings(debug: boolean): Settings | string[] {
  const missing = REQUIRED.filter((name) => !process.env[name]);
  if (missing.length > 0) return missing;
  const env = (name: string, fallback: string): string => process.env[name] || fallback;
  return {
    username: env('LCS_USERNAME', ''), password: env('LCS_PASSWORD', ''), clientId: env('LCS_CLIENT_ID', ''),
    projectId: env('LCS_PROJECT_ID', ''), apiUrl: env('LCS_API_URL', DEFAULT_API_URL), authority: env('LCS_AUTHORITY', DEFAULT_AUTHORITY), debug,
  };
}

/** Task inputs as the agent would pass them; optional filters only when set, like empty task.json fields. */
function taskInputs(settings: Settings): Record<string, string> {
  const inputs: Record<string, string> = {
    connectionType: 'databaseMovement', lcsConnection: ENDPOINT_ID, projectId: settings.projectId,
    newestBy: process.env.LCS_NEWEST_BY || 'created', failIfNoBackup: 'true', fileLocationIsSecret: 'true',
  };
  const optional: [string, string][] = [['nameFilter', 'LCS_NAME_FILTER'], ['fileNameFilter', 'LCS_FILE_NAME_FILTER'], ['maxAgeDays', 'LCS_MAX_AGE_DAYS']];
  for (const [input, variable] of optional) {
    const value = process.env[variable];
    if (value) inputs[input] = value;
  }
  return inputs;
}

/**
 * The agent hands its proxy to tasks as Agent.ProxyUrl/ProxyUsername/ProxyPassword, not as
 * HTTPS_PROXY (which the clean environment drops). Credentials in the URL become the separate
 * variables, as in the agent's own configuration.
 */
export function proxyEnvironment(proxy: string | undefined): { env: Record<string, string>; secret?: string } {
  if (!proxy) return { env: {} };
  const url = new URL(proxy);
  const env: Record<string, string> = {};
  const secret = url.password ? decodeURIComponent(url.password) : undefined;
  if (url.username) env.AGENT_PROXYUSERNAME = decodeURIComponent(url.username);
  if (secret) env.AGENT_PROXYPASSWORD = secret;
  url.username = '';
  url.password = '';
  env.AGENT_PROXYURL = url.toString();
  return { env, secret };
}

function extraEnvironment(settings: Settings, proxy: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...proxy };
  if (settings.debug) env.SYSTEM_DEBUG = 'true';
  // Corporate TLS inspection: keep the CA bundle the developer already relies on.
  if (process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  return env;
}

function printVariables(run: TaskRun, renderer: AgentLogRenderer): void {
  const entries = Object.entries(run.variables).filter(([, v]) => v.isOutput);
  console.log('\nOutput variables:');
  if (entries.length === 0) console.log('  (none)');
  for (const [name, variable] of entries) {
    // Masking non-secret values too: a value may still contain a registered secret.
    console.log(`  $(${STEP_NAME}.${name}) = ${variable.isSecret ? '***' : renderer.mask(variable.value)}`);
  }
}

async function runLocal(settings: Settings, script: string): Promise<number> {
  const proxy = proxyEnvironment(process.env.HTTPS_PROXY ?? process.env.https_proxy);
  const renderer = new AgentLogRenderer([settings.password, ...(proxy.secret ? [proxy.secret] : [])], settings.debug);
  console.log(`Running ${path.relative(process.cwd(), script) || script} for LCS project ${settings.projectId} at ${settings.apiUrl} as ${settings.username}\n`);
  const run = await runTask({
    script,
    timeoutMs: TIMEOUT_MS,
    inputs: taskInputs(settings),
    endpoints: {
      [ENDPOINT_ID]: { url: settings.authority, apiurl: settings.apiUrl, username: settings.username, password: settings.password, clientid: settings.clientId },
    },
    env: extraEnvironment(settings, proxy.env),
    // Stream like the agent does: each line rendered (and masked) as it arrives.
    onLine: (line) => {
      const shown = renderer.render(line);
      if (shown !== undefined) console.log(shown);
    },
  });
  try {
    printVariables(run, renderer);
    const result = run.result?.result;
    if (run.timedOut) console.log(`\nResult: timed out after ${TIMEOUT_MS / 1000} s`);
    else console.log(`\nResult: ${result ?? `no result reported (exit code ${run.exitCode})`}`);
    return result === 'Succeeded' || result === 'SucceededWithIssues' ? 0 : 1;
  } finally {
    // The temp dir may hold a summary naming the backup; it is of no use after the run.
    rmSync(run.tempDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.kind === 'help') { console.log(USAGE); return 0; }
  if (args.kind === 'refuse') { console.error(`${args.message}\n\n${USAGE}`); return 2; }
  const settings = readSettings(args.debug);
  if (Array.isArray(settings)) {
    console.error(`Missing environment variable(s): ${settings.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const script = process.env.LCS_TASK_SCRIPT ?? path.join(findRepoRoot(__dirname), 'tasks', 'LcsDatabaseBackupsV1', 'dist', 'index.js');
  if (!existsSync(script)) {
    console.error(`The bundled task is missing: ${script}\nBuild it first: npm run build (npm run local does that for you).`);
    return 1;
  }
  return runLocal(settings, script);
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (error: unknown) => {
    console.error(`run-local failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
