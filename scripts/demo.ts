/**
 * `npm run demo`: a bundled task, run exactly as the agent would run it, against a local
 * emulator of Microsoft Entra ID and the LCS API. Shows what a pipeline log and its output
 * variables look like without an LCS account, a tenant or an agent.
 *
 *   npm run demo                              LcsDatabaseBackups@1
 *   npm run demo -- --task <name>             another scenario in DEMOS: a task folder, or `download`
 *   npm run demo -- --help                    lists them
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SAMPLE_PROJECT_ID, startEmulator, type Emulator, type RecordedRequest } from '../test/emulator/emulator';
import { addOperation } from '../test/emulator/operations';
import { taskScript } from '../test/support/repo';
import { renderAgentLog, runTask, type RunOptions, type TaskRun } from '../test/support/agent';
import { armEndpoints, oidcEnv } from '../test/support/armConnection';
import { ARM_ENDPOINT_ID } from '../test/emulator/azureRm';
import { BACKUPS_DEMO_INPUTS, emulatorRunOptions } from '../test/support/emulatorRun';

const STEP_NAME = 'lcs';
const ENDPOINT_ID = 'LcsDemo';
const SUMMARY_TYPE = 'distributedtask.core.summary';

const DEMO_ENVIRONMENT = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const DEMO_SOURCE = '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f';

/** A demo: a task folder, its inputs, and what the emulator should hold or play for it. */
export interface DemoScenario {
  title: string;
  /** The task folder; the scenario's own name when it is one. */
  task?: string;
  /** One line for --help. */
  about: string;
  inputs: Record<string, string>;
  /** Sets the emulator up; may return more inputs (e.g. a folder made for this run in `workDir`). */
  prepare?: (emulator: Emulator, workDir: string) => Record<string, string> | void;
  /** More service connections and variables the task needs (an Azure Resource Manager connection). */
  agent?: (emulator: Emulator) => Pick<RunOptions, 'endpoints' | 'env'>;
  /** The closing hint: where to read on. */
  next: string;
}

const MiB = 1024 * 1024;
const OVERVIEW = 'overview.md';

/** One scenario per task folder, and a few more; a new task adds its own here (README: Adding a task). */
export const DEMOS: Record<string, DemoScenario> = {
  LcsDatabaseBackupsV1: {
    title: 'LCS database backups',
    about: 'find the newest backup and publish its id and download URL',
    inputs: BACKUPS_DEMO_INPUTS,
    next: "README.md sections 'Use it in a pipeline', 'Try it against your LCS project', 'Troubleshooting'; npm run demo -- --task download",
  },
  download: {
    title: 'LCS database backups, with download',
    task: 'LcsDatabaseBackupsV1',
    about: 'the same task with download: true: parallel ranges, progress, MD5 verification, DownloadedFilePath',
    inputs: { ...BACKUPS_DEMO_INPUTS, download: 'true', downloadConnections: '4' },
    prepare: (emulator, workDir) => {
      // 96 MiB at 8 MiB/s per connection: a few seconds, long enough for progress lines.
      const blob = emulator.addBlob('demo.bacpac', { size: 96 * MiB, faults: { bytesPerSecondPerConnection: 8 * MiB } });
      const newest = emulator.backups[0];
      newest.FileLocation = emulator.blobUrl(blob.name);
      return { downloadDirectory: path.join(workDir, 'bacpac') };
    },
    next: `${OVERVIEW} sections 'YAML: let the task download it, then import it with SqlPackage' and 'Downloading: what resume and verification mean'`,
  },
  LcsDatabaseExportV1: {
    title: 'LCS database export',
    about: 'start an export, wait for it (one status request a second here), publish the new backup',
    // A few seconds of simulated waiting: one status request a second through the states.
    inputs: { environmentId: DEMO_ENVIRONMENT, backupName: 'UAT-demo', pollIntervalSeconds: '1', timeoutMinutes: '1' },
    prepare: (emulator) => {
      emulator.operationScript = ['NotStarted', 'InProgress', 'InProgress', 'InProgress', 'Completed'];
    },
    next: `${OVERVIEW} sections 'Export, refresh, and wait for them' and 'YAML: export a sandbox, then download and import it on a development machine'`,
  },
  LcsDatabaseRefreshV1: {
    title: 'LCS database refresh',
    about: 'refresh a sandbox from another environment and wait',
    inputs: { sourceEnvironmentId: DEMO_SOURCE, targetEnvironmentId: DEMO_ENVIRONMENT, pollIntervalSeconds: '1', timeoutMinutes: '1' },
    prepare: (emulator) => {
      emulator.operationScript = ['NotStarted', 'InProgress', 'InProgress', 'Completed'];
    },
    next: `${OVERVIEW} sections 'Export, refresh, and wait for them' and 'YAML: refresh a sandbox from production, then run the post-refresh steps'`,
  },
  LcsDatabaseOperationStatusV1: {
    title: 'LCS database operation status',
    about: 'wait for a refresh started elsewhere, by its operation id',
    inputs: { environmentId: DEMO_ENVIRONMENT, pollIntervalSeconds: '1', timeoutMinutes: '1' },
    prepare: (emulator) => {
      const operation = addOperation(emulator, {
        kind: 'refresh',
        environmentId: DEMO_ENVIRONMENT,
        sourceId: DEMO_SOURCE,
        startedAt: Date.now() - 3_600_000,
        script: ['InProgress', 'InProgress', 'Completed'],
      });
      return { operationActivityId: operation.activityId };
    },
    next: `${OVERVIEW} section 'YAML: start now, wait in another job'`,
  },
  LcsDatabaseBackupCopyV1: {
    title: 'LCS database backup copy',
    about: 'server-side copy of the newest backup into your storage account (an ARM connection, workload identity federation)',
    // The emulator's storage account "copystore" (path-style, like Azurite); the copy stays pending for 4 s.
    inputs: {
      azureSubscription: ARM_ENDPOINT_ID,
      storageAccount: '<emulator>/copystore',
      containerName: 'dest',
      pollIntervalSeconds: '0.5',
      timeoutMinutes: '5',
    },
    prepare: (emulator) => {
      emulator.addBlob('UAT-golden-2026.bacpac', { size: 256 * 1024 * 1024 });
      emulator.backups[0].FileName = 'UAT-golden-2026.bacpac';
      emulator.listHook = () => {
        emulator.backups[0].FileLocation = emulator.blobUrl('UAT-golden-2026.bacpac');
      };
      emulator.copyStore.copyMs = 4000;
    },
    agent: (emulator) => ({ endpoints: armEndpoints(emulator), env: oidcEnv(emulator) }),
    next: `${OVERVIEW} sections 'LcsDatabaseBackupCopy@1: copy a backup into your storage account' and 'YAML: export a sandbox, then copy the backup into your storage account'`,
  },
};

const DEFAULT_DEMO = 'LcsDatabaseBackupsV1';

export function demoHelp(): string {
  const width = Math.max(...Object.keys(DEMOS).map((k) => k.length));
  return [
    'usage: npm run demo [-- --task <name>]',
    '',
    'Runs a bundled task the way the agent does, against a local emulator of Microsoft Entra ID, the LCS API',
    'and blob storage (no account or network needed), and shows the log, the output variables, the requests',
    'and the summary tab. Demos (default: LcsDatabaseBackupsV1):',
    ...Object.entries(DEMOS).map(([name, d]) => `  ${name.padEnd(width)}  ${d.about}`),
  ].join('\n');
}

/** The chosen demo's name; a number is the exit code (--help: 0, a mistake: 2). */
export function chosenDemo(argv: string[]): string | number {
  if (argv.length === 0) return DEFAULT_DEMO;
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    console.log(demoHelp());
    return 0;
  }
  if (argv.length === 2 && (argv[0] === '--task' || argv[0] === '--demo') && Object.hasOwn(DEMOS, argv[1])) return argv[1];
  console.error(demoHelp());
  return 2;
}

/** The bundled task; LCS_TASK_SCRIPT lets a developer point the demo at another build of it. */
function scriptOf(folder: string): string {
  return process.env.LCS_TASK_SCRIPT ?? taskScript(folder);
}

function heading(title: string): void {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 72 - title.length))}`);
}

function printVariables(run: TaskRun): void {
  const entries = Object.entries(run.variables).filter(([, v]) => v.isOutput);
  if (entries.length === 0) {
    console.log('(the task set no output variables)');
    return;
  }
  // Names, not `$(...)` macros: a macro pasted into script text would run what a backup name holds.
  const refs = entries.map(([name]) => `${STEP_NAME}.${name}`);
  const width = Math.max(...refs.map((r) => r.length));
  entries.forEach(([, variable], i) => {
    const shown = variable.isSecret ? '***  (secret: masked in logs; map it into a script with env:)' : variable.value;
    console.log(`${refs[i].padEnd(width)}  ${shown}`);
  });
}

/** Query strings only carry MSAL's correlation ids; they add noise here. */
function describeRequest(request: RecordedRequest): string {
  const pathOnly = request.path.split('?')[0];
  const lcs = /^\/databasemovement\/v1\/(databases|export|refresh|fetchstatus)\//.exec(pathOnly)?.[1];
  const roles: Record<string, string> = { databases: 'LCS list backups', export: 'LCS start export', refresh: 'LCS start refresh', fetchstatus: 'LCS status' };
  const storage = pathOnly.startsWith('/copystore/') ? 'your storage account' : pathOnly.startsWith('/oidc/') ? 'agent OIDC endpoint' : undefined;
  const blob = pathOnly.startsWith('/blobstore/') ? `LCS blob storage ${request.method === 'HEAD' ? 'properties' : 'range'}` : undefined;
  const role = pathOnly.includes('/oauth2/') ? 'Entra ID token' : lcs ? roles[lcs] : (blob ?? storage ?? 'other');
  return `${request.method.padEnd(4)} ${pathOnly}  (${role})`;
}

function printSummaryTab(run: TaskRun): void {
  const summary = run.attachments.find((a) => a.type.toLowerCase() === SUMMARY_TYPE);
  if (!summary) return;
  heading(`Summary tab "${summary.name}" (${path.basename(summary.path)})`);
  console.log(existsSync(summary.path) ? readFileSync(summary.path, 'utf8').trimEnd() : `(attachment file missing: ${summary.path})`);
}

/** Why the run did not succeed, in one sentence; undefined when it did. */
export function failureReason(run: TaskRun): string | undefined {
  if (run.timedOut) return `the task did not finish within the time limit (killed after ${Math.round(run.durationMs / 1000)} s)`;
  const result = run.result?.result;
  if (result === 'Succeeded' || result === 'SucceededWithIssues') return undefined;
  if (result) return `the task ended ${result}: ${run.result?.message ?? ''}`;
  return `the task exited with code ${run.exitCode} without reporting a result`;
}

async function demo(emulator: Emulator, script: string, scenario: DemoScenario): Promise<number> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'lcs-demo-'));
  try {
    const inputs = { ...scenario.inputs, ...(scenario.prepare?.(emulator, workDir) ?? {}) };
    console.log(`${scenario.title}: demo against a LOCAL EMULATOR of Microsoft Entra ID, the LCS API and blob storage`);
    console.log(`(no LCS account, tenant or network needed; everything runs on ${emulator.url})`);
    console.log(`Task: ${path.relative(process.cwd(), script) || script}`);
    const shown = Object.entries(inputs)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    console.log(`Inputs: projectId=${SAMPLE_PROJECT_ID}, ${shown}; ${emulator.backups.length} backups in the emulated asset library`);

    const withEmulator = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.replace('<emulator>', emulator.url)]));
    const options = emulatorRunOptions(emulator, script, ENDPOINT_ID, withEmulator);
    const agent = scenario.agent?.(emulator);
    const run = await runTask({ ...options, env: agent?.env, endpoints: { ...options.endpoints, ...agent?.endpoints } });
    try {
      return report(emulator, run, scenario.next);
    } finally {
      // The temp dir may hold the summary and anything else the task wrote; nothing to keep after printing.
      rmSync(run.tempDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function report(emulator: Emulator, run: TaskRun, next: string): number {
  heading('Pipeline log (as the agent shows it)');
  console.log(renderAgentLog(run));
  heading(`Output variables (step name "${STEP_NAME}")`);
  printVariables(run);
  heading(`HTTP requests the emulator received: ${emulator.requests.length}`);
  for (const request of emulator.requests) console.log(describeRequest(request));
  printSummaryTab(run);

  const reason = failureReason(run);
  heading(reason ? 'Result: FAILED' : `Result: ${run.result?.result ?? ''}`);
  if (reason) console.log(`The demo failed: ${reason}`);
  console.log(`Next: ${next}`);
  return reason ? 1 : 0;
}

async function main(): Promise<number> {
  const chosen = chosenDemo(process.argv.slice(2));
  if (typeof chosen === 'number') return chosen;
  const scenario = DEMOS[chosen];
  const script = scriptOf(scenario.task ?? chosen);
  if (!existsSync(script)) {
    console.error(`The bundled task is missing: ${script}\nBuild it first: npm run build (npm run demo does that for you).`);
    return 1;
  }
  const emulator = await startEmulator();
  try {
    return await demo(emulator, script, scenario);
  } finally {
    await emulator.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`The demo itself failed: ${error instanceof Error ? error.stack : String(error)}`);
      process.exitCode = 1;
    },
  );
}
