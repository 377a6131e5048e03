#!/usr/bin/env node
// `npm run local`: run a bundled task from a terminal against a REAL LCS project, with the same
// environment the agent would give it: LcsDatabaseBackups@1 (the default; with a download when
// LCS_DOWNLOAD_DIRECTORY is set) or the read-only LcsDatabaseOperationStatusV1 (`--task status`).
// Export and refresh are refused: they change an environment (README: Try it against your LCS project). Credentials come only from environment variables: an
// argument would end up in shell history and in every process listing on the machine.
//
// Order matters: the arguments and the LCS_* variables are checked first, in plain Node, so a
// missing or malformed variable fails in a second and names the variable; only then is the task
// built (`npm run build`, ~15 s) and run. `--no-build` runs the existing build.

import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENDPOINT_ID = 'LcsLocal';
const STEP_NAME = 'lcs';
const REQUIRED = ['LCS_USERNAME', 'LCS_PASSWORD', 'LCS_CLIENT_ID', 'LCS_PROJECT_ID'];
const DEFAULT_API_URL = 'https://lcsapi.lcs.dynamics.com';
const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/organizations';
const DEFAULT_TIMEOUT_SECONDS = 100;
const DEFAULT_BUDGET_SECONDS = 300;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What the task accepts as a backup id (tasks/common/lcs/databaseAssets.ts, SAFE_ID). */
const SAFE_ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;
/** An environment or operation id as LCS shows it: with dashes, or the same 32 hex digits without. */
const LCS_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/** The tasks `npm run local` runs: read-only ones. */
export const LOCAL_TASKS = {
  backups: { folder: 'LcsDatabaseBackupsV1', aliases: ['backups', 'LcsDatabaseBackupsV1'] },
  status: { folder: 'LcsDatabaseOperationStatusV1', aliases: ['status', 'LcsDatabaseOperationStatusV1'] },
};
/** The tasks it refuses, and why. */
export const NOT_LOCAL = ['export', 'refresh', 'LcsDatabaseExportV1', 'LcsDatabaseRefreshV1'];
export const WHY_NOT_LOCAL =
  "the export and refresh tasks are not run from a developer's machine. They change an LCS environment (a refresh " +
  "REPLACES a sandbox's database; each start uses one of the 3 operations LCS allows an environment in 24 hours), cannot be " +
  "undone, and run for hours. Start them from a pipeline, where the run is recorded, approvals and checks apply and the job's " +
  'timeout bounds them. To see what they do, run them against the emulator: npm run demo -- --task LcsDatabaseExportV1 ' +
  '(or LcsDatabaseRefreshV1). To follow an operation already started, use npm run local -- --task status.';
export const USAGE = `Run an LCS task locally against your LCS project: LcsDatabaseBackups@1 (default; it
downloads the backup when LCS_DOWNLOAD_DIRECTORY is set) or LcsDatabaseOperationStatus@1 (--task status).
Both only read. Export and refresh are not run from here: they change an environment (see README).

Credentials are read ONLY from environment variables, never from arguments.

Required:
  LCS_USERNAME                  account without MFA, e.g. pipeline@contoso.com
  LCS_PASSWORD                  its password
  LCS_CLIENT_ID                 application (client) id of the public-client app registration
  LCS_PROJECT_ID                numeric LCS project id: the number after /V2/ProjectOverview/ in the
                                project's address on your LCS portal (lcs.dynamics.com, eu.lcs.dynamics.com, ...)
Optional:
  LCS_API_URL                   default ${DEFAULT_API_URL}; put "lcsapi." in front of your LCS
                                portal's host, e.g. https://lcsapi.eu.lcs.dynamics.com for eu.lcs.dynamics.com
  LCS_AUTHORITY                 default ${DEFAULT_AUTHORITY}
                                (national clouds: https://login.microsoftonline.us/<tenant>, https://login.chinacloudapi.cn/<tenant>)
  LCS_NAME_FILTER               wildcard patterns for the backup name, one per line (e.g. UAT*)
  LCS_FILE_NAME_FILTER          wildcard patterns for the file name, one per line (e.g. *.bacpac)
  LCS_NEWEST_BY                 created (default) or modified
  LCS_MAX_AGE_DAYS              fail when the newest backup is older than this
  LCS_BACKUP_ID                 choose exactly the backup with this Id (the filters do not apply)
  LCS_REQUEST_TIMEOUT_SECONDS   how long one request may take; default ${DEFAULT_TIMEOUT_SECONDS}
  LCS_RETRY_BUDGET_SECONDS      total time retries may use; 0 turns retries off; default ${DEFAULT_BUDGET_SECONDS}
  LCS_DOWNLOAD_DIRECTORY        download the chosen backup into this folder (verified, resumable: run again
                                with the same folder to continue a download that was stopped)
  LCS_DOWNLOAD_CONNECTIONS      parallel connections for the download, 1 to 64; default 8
  LCS_OVERWRITE_EXISTING        true: replace a different file of the same name; default false
  HTTPS_PROXY                   passed to the task as the agent's proxy (Agent.ProxyUrl), e.g. http://proxy:8080
 With --task status (LcsDatabaseOperationStatus@1, read-only):
  LCS_ENVIRONMENT_ID            required: the environment the operation runs on (a refresh's target)
  LCS_OPERATION_ID              required: the operation id (OperationActivityId of the export or refresh)
  LCS_WAIT_FOR_COMPLETION       true: wait until it ends; default false here (look once and print the state)
  LCS_TIMEOUT_MINUTES           how long to wait when waiting, minutes; default 360
  LCS_POLL_INTERVAL_SECONDS     seconds between status requests when waiting, 1 to 3600; default 60
Options:
  --task backups|status         which task to run; default backups
  --debug                       also show the task's debug messages (System.Debug=true)
  --no-build                    run the existing build instead of running npm run build first
  --help                        this text

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

/** Anything that is not a known flag may be a secret pasted by mistake: never echo it back. */
export function parseArgs(argv) {
  const options = { kind: 'run', debug: false, build: true, task: 'backups' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--task') {
      const value = argv[++i] ?? '';
      if (NOT_LOCAL.some((n) => n.toLowerCase() === value.toLowerCase())) return { kind: 'refuse', message: WHY_NOT_LOCAL };
      const task = Object.keys(LOCAL_TASKS).find((k) => LOCAL_TASKS[k].aliases.some((a) => a.toLowerCase() === value.toLowerCase()));
      // The value is not repeated: it could be a secret pasted in the wrong place.
      if (!task) return { kind: 'refuse', message: "--task takes backups or status (export and refresh are not run from a developer's machine; see --help)." };
      options.task = task;
      continue;
    }
    if (arg === '--debug') {
      options.debug = true;
      continue;
    }
    if (arg === '--no-build') {
      options.build = false;
      continue;
    }
    if (looksLikeCredential(arg)) {
      return {
        kind: 'refuse',
        message:
          'An argument looks like a credential. Pass credentials only as environment variables (see --help);' +
          ' if it was a real password, it is now in your shell history: consider changing it.',
      };
    }
    return {
      kind: 'refuse',
      message: 'Unknown argument (not repeated here in case it is sensitive). This script takes no arguments besides --task, --debug, --no-build and --help.',
    };
  }
  return options;
}

export function looksLikeCredential(arg) {
  return /pass|pwd|secret|token|client|user|@|=/i.test(arg) || (arg.length >= 12 && !arg.startsWith('--'));
}

const shown = (value) => JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value);

/** A number of seconds or days as the task reads it: plain digits, optional decimals. */
function checkNumber(env, name, { min, allowMin, max }, problems) {
  const raw = (env[name] ?? '').trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n < min || (!allowMin && n === min) || (max !== undefined && n > max)) {
    const range = `${allowMin ? `${min} or more` : `greater than ${min}`}${max !== undefined ? `, at most ${max}` : ''}`;
    problems.push(`${name} must be a plain number ${range}; got ${shown(raw)}.`);
    return undefined;
  }
  return raw;
}

/** An https:// URL; the value is not repeated (a URL can carry credentials). */
function checkHttpsUrl(env, name, fallback, example, problems) {
  const raw = (env[name] ?? '').trim();
  if (!raw) return fallback;
  let url;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} is not an absolute URL; use one such as ${example}.`);
    return fallback;
  }
  if (url.protocol !== 'https:' || url.username || url.password) {
    problems.push(`${name} must be an https:// URL without a user name or password, such as ${example}.`);
  }
  return raw;
}

/** The proxy variable that is set, if any, and whether it is a URL the agent could use. */
function checkProxy(env, problems) {
  const name = ['HTTPS_PROXY', 'https_proxy'].find((n) => (env[n] ?? '').trim() !== '');
  if (!name) return undefined;
  const raw = env[name].trim();
  let url;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) {
    // Not repeated: a proxy URL often carries a password.
    problems.push(`${name} is not a proxy URL such as http://proxy.contoso.com:8080 (its value is not shown: it may hold a password).`);
    return undefined;
  }
  return raw;
}

function checkPattern(env, name, pattern, what, problems) {
  const raw = (env[name] ?? '').trim();
  if (raw && !pattern.test(raw)) problems.push(`${name} must be ${what}; got ${shown(raw)}.`);
  return raw || undefined;
}

/**
 * The run's settings from the environment, or every problem found, each naming its variable.
 * Pure: `env` is passed in, nothing is read or printed here.
 */
export function readLocalSettings(env, task = 'backups') {
  const problems = [];
  const required = task === 'status' ? [...REQUIRED, 'LCS_ENVIRONMENT_ID', 'LCS_OPERATION_ID'] : REQUIRED;
  const missing = required.filter((name) => !(env[name] ?? '').trim());
  if (missing.length > 0) problems.push(`Missing environment variable(s): ${missing.join(', ')}.`);
  const projectId = (env.LCS_PROJECT_ID ?? '').trim();
  if (projectId && (!/^\d+$/.test(projectId) || /^0+$/.test(projectId))) {
    problems.push(
      `LCS_PROJECT_ID must be the LCS project's id, a positive whole number such as 1234567 (the number after /V2/ProjectOverview/ in the project's address in LCS); got ${shown(projectId)}.`,
    );
  }
  checkPattern(env, 'LCS_CLIENT_ID', GUID, 'the application (client) id of your app registration, a GUID', problems);
  const settings = {
    username: (env.LCS_USERNAME ?? '').trim(),
    password: env.LCS_PASSWORD ?? '',
    clientId: (env.LCS_CLIENT_ID ?? '').trim(),
    projectId,
    apiUrl: checkHttpsUrl(env, 'LCS_API_URL', DEFAULT_API_URL, 'https://lcsapi.eu.lcs.dynamics.com', problems),
    authority: checkHttpsUrl(env, 'LCS_AUTHORITY', DEFAULT_AUTHORITY, DEFAULT_AUTHORITY, problems),
    newestBy: checkPattern(env, 'LCS_NEWEST_BY', /^(created|modified)$/i, 'created or modified', problems),
    maxAgeDays: checkNumber(env, 'LCS_MAX_AGE_DAYS', { min: 0, allowMin: false }, problems),
    backupId: checkPattern(env, 'LCS_BACKUP_ID', SAFE_ID, 'a backup Id as LCS lists it (letters, digits and dashes, e.g. a GUID)', problems),
    requestTimeoutSeconds: checkNumber(env, 'LCS_REQUEST_TIMEOUT_SECONDS', { min: 0, allowMin: false, max: 86_400 }, problems),
    retryBudgetSeconds: checkNumber(env, 'LCS_RETRY_BUDGET_SECONDS', { min: 0, allowMin: true, max: 86_400 }, problems),
    nameFilter: env.LCS_NAME_FILTER || undefined,
    fileNameFilter: env.LCS_FILE_NAME_FILTER || undefined,
    proxy: checkProxy(env, problems),
    task,
    ...(task === 'status' ? readStatusSettings(env, problems) : readDownloadSettings(env, problems)),
  };
  return problems.length > 0 ? { problems } : { settings };
}

function checkBoolean(env, name, problems) {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw && raw !== 'true' && raw !== 'false') problems.push(`${name} must be true or false; got ${shown(raw)}.`);
  return raw || undefined;
}

function checkWhole(env, name, min, max, problems) {
  const raw = (env[name] ?? '').trim();
  if (raw && (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max))
    problems.push(`${name} must be a whole number from ${min} to ${max}; got ${shown(raw)}.`);
  return raw || undefined;
}

function readDownloadSettings(env, problems) {
  const downloadDirectory = (env.LCS_DOWNLOAD_DIRECTORY ?? '').trim() || undefined;
  return {
    downloadDirectory,
    downloadConnections: checkWhole(env, 'LCS_DOWNLOAD_CONNECTIONS', 1, 64, problems),
    overwriteExisting: checkBoolean(env, 'LCS_OVERWRITE_EXISTING', problems),
  };
}

function readStatusSettings(env, problems) {
  const what = 'as LCS shows it: a GUID, with or without dashes';
  return {
    environmentId: checkPattern(env, 'LCS_ENVIRONMENT_ID', LCS_ID, `the environment's id ${what}`, problems),
    operationId: checkPattern(env, 'LCS_OPERATION_ID', LCS_ID, `the operation id ${what}`, problems),
    waitForCompletion: checkBoolean(env, 'LCS_WAIT_FOR_COMPLETION', problems) ?? 'false',
    timeoutMinutes: checkNumber(env, 'LCS_TIMEOUT_MINUTES', { min: 0, allowMin: false, max: 10_080 }, problems),
    pollIntervalSeconds: checkWhole(env, 'LCS_POLL_INTERVAL_SECONDS', 1, 3600, problems),
  };
}

/** Task inputs as the agent would pass them; optional ones only when set, like empty task.json fields. */
export function taskInputs(settings) {
  const connection = { connectionType: 'databaseMovement', lcsConnection: ENDPOINT_ID, projectId: settings.projectId };
  const common = { requestTimeoutSeconds: settings.requestTimeoutSeconds, retryBudgetSeconds: settings.retryBudgetSeconds };
  if (settings.task === 'status') {
    const inputs = {
      ...connection,
      environmentId: settings.environmentId,
      operationActivityId: settings.operationId,
      waitForCompletion: settings.waitForCompletion,
    };
    const optional = { ...common, timeoutMinutes: settings.timeoutMinutes, pollIntervalSeconds: settings.pollIntervalSeconds };
    for (const [input, value] of Object.entries(optional)) if (value !== undefined) inputs[input] = value;
    return inputs;
  }
  const inputs = { ...connection, newestBy: settings.newestBy ?? 'created', failIfNoBackup: 'true', fileLocationIsSecret: 'true' };
  if (settings.downloadDirectory) inputs.download = 'true';
  const optional = {
    nameFilter: settings.nameFilter,
    fileNameFilter: settings.fileNameFilter,
    maxAgeDays: settings.maxAgeDays,
    backupId: settings.backupId,
    ...common,
    downloadDirectory: settings.downloadDirectory,
    downloadConnections: settings.downloadConnections,
    overwriteExisting: settings.overwriteExisting,
  };
  for (const [input, value] of Object.entries(optional)) if (value !== undefined) inputs[input] = value;
  return inputs;
}

/**
 * The agent hands its proxy to tasks as Agent.ProxyUrl/ProxyUsername/ProxyPassword, not as
 * HTTPS_PROXY (which the clean environment drops). Credentials in the URL become the separate
 * variables, as in the agent's own configuration.
 */
export function proxyEnvironment(proxy) {
  if (!proxy) return { env: {} };
  const url = new URL(proxy);
  const env = {};
  const secret = url.password ? decodeURIComponent(url.password) : undefined;
  if (url.username) env.AGENT_PROXYUSERNAME = decodeURIComponent(url.username);
  if (secret) env.AGENT_PROXYPASSWORD = secret;
  url.username = '';
  url.password = '';
  env.AGENT_PROXYURL = url.toString();
  return { env, secret };
}

/** Long enough for the retry budget plus a few requests; the task itself stops within that. */
function runTimeoutMs(settings) {
  const budget = Number(settings.retryBudgetSeconds ?? DEFAULT_BUDGET_SECONDS);
  const request = Number(settings.requestTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  const base = (budget + 3 * request + 60) * 1000;
  // A download's length depends on the file and the line, a wait's on timeoutMinutes; both end by
  // themselves (Ctrl+C stops them; a download continues where it stopped on the next run).
  if (settings.downloadDirectory) return base + 24 * 3600_000;
  if (settings.task === 'status' && settings.waitForCompletion === 'true') return base + Number(settings.timeoutMinutes ?? 360) * 60_000;
  return base;
}

function build() {
  console.log('Building the task (npm run build)...');
  const npmCli = process.env.npm_execpath;
  const [command, args, options] =
    npmCli && /\.c?js$/.test(npmCli)
      ? [process.execPath, [npmCli, 'run', 'build', '--silent'], {}]
      : ['npm', ['run', 'build', '--silent'], { shell: process.platform === 'win32' }];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

function printVariables(run, renderer) {
  const entries = Object.entries(run.variables).filter(([, v]) => v.isOutput);
  console.log(`\nOutput variables (step name "${STEP_NAME}"):`);
  if (entries.length === 0) console.log('  (none)');
  for (const [name, variable] of entries) {
    // Masking non-secret values too: a value may still contain a registered secret.
    console.log(`  ${STEP_NAME}.${name} = ${variable.isSecret ? '***' : renderer.mask(variable.value)}`);
  }
}

async function runLocal(settings, options, script) {
  // Built by `npm run build` (test/support/agent.ts): the same agent emulation the e2e tests use.
  const { AgentLogRenderer, runTask } = createRequire(import.meta.url)(join(root, 'build', 'test', 'support', 'agent.js'));
  const proxy = proxyEnvironment(settings.proxy);
  const renderer = new AgentLogRenderer([settings.password, ...(proxy.secret ? [proxy.secret] : [])], options.debug);
  const env = { ...proxy.env };
  if (options.debug) env.SYSTEM_DEBUG = 'true';
  // Corporate TLS inspection: keep the CA bundle the developer already relies on.
  if (process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  const timeoutMs = runTimeoutMs(settings);
  console.log(`Running ${relative(process.cwd(), script) || script} for LCS project ${settings.projectId} at ${settings.apiUrl} as ${settings.username}\n`);
  const run = await runTask({
    script,
    timeoutMs,
    inputs: taskInputs(settings),
    endpoints: {
      [ENDPOINT_ID]: {
        url: settings.authority,
        apiurl: settings.apiUrl,
        username: settings.username,
        password: settings.password,
        clientid: settings.clientId,
      },
    },
    env,
    // Stream like the agent does: each line rendered (and masked) as it arrives.
    onLine: (line) => {
      const text = renderer.render(line);
      if (text !== undefined) console.log(text);
    },
  });
  try {
    printVariables(run, renderer);
    const result = run.result?.result;
    if (run.timedOut) console.log(`\nResult: timed out after ${timeoutMs / 1000} s`);
    else console.log(`\nResult: ${result ?? `no result reported (exit code ${run.exitCode})`}`);
    return result === 'Succeeded' || result === 'SucceededWithIssues' ? 0 : 1;
  } finally {
    // The temp dir may hold a summary naming the backup; it is of no use after the run.
    rmSync(run.tempDir, { recursive: true, force: true });
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (options.kind === 'refuse') {
    console.error(`npm run local: ${options.message}`);
    return 2;
  }
  const checked = readLocalSettings(process.env, options.task);
  if (checked.problems) {
    console.error(`npm run local: nothing was run.\n  - ${checked.problems.join('\n  - ')}\n\nnpm run local -- --help lists the variables, with examples.`);
    return 2;
  }
  if (options.build && !build()) {
    console.error('npm run local: the build failed (see above).');
    return 1;
  }
  const script = process.env.LCS_TASK_SCRIPT ?? join(root, 'tasks', LOCAL_TASKS[options.task].folder, 'dist', 'index.js');
  if (!existsSync(script) || !existsSync(join(root, 'build', 'test', 'support', 'agent.js'))) {
    console.error(`npm run local: the build is missing (${relative(root, script)}); run npm run build, or drop --no-build.`);
    return 1;
  }
  return runLocal(checked.settings, options, script);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`npm run local failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
