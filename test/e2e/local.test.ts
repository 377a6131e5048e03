/**
 * `npm run local` (scripts/run-local.mjs), spawned as a developer would: its LCS_* variables are
 * checked before anything is built, every message names the variable, and the timeout, the retry
 * budget and backupId reach the task.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EMULATOR_CLIENT_ID, EMULATOR_PASSWORD, EMULATOR_USERNAME, SAMPLE_PROJECT_ID } from '../emulator/emulator';
import { addOperation } from '../emulator/operations';
import { findRepoRoot } from '../support/repo';
import { useEmulator } from './helpers';

const root = findRepoRoot(__dirname);
const SCRIPT = path.join(root, 'scripts', 'run-local.mjs');
const BUILDING = /Building the task/;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with exactly `env` (plus PATH and HOME), never the developer's own LCS_* variables. */
function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const base: Record<string, string> = {};
    for (const key of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR', 'TEMP', 'TMP']) if (process.env[key] !== undefined) base[key] = process.env[key]!;
    const child = spawn(command, args, { cwd: root, env: { ...base, ...env }, shell: process.platform === 'win32' && command === 'npm' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const local = (env: Record<string, string>, ...args: string[]): Promise<Result> => run(process.execPath, [SCRIPT, ...args], env);

/** `npm run local`, through the npm that runs the tests when there is one. */
function npmRunLocal(env: Record<string, string>): Promise<Result> {
  const npmCli = process.env.npm_execpath;
  return npmCli && /\.c?js$/.test(npmCli) ? run(process.execPath, [npmCli, 'run', 'local'], env) : run('npm', ['run', 'local'], env);
}

const VALID = {
  LCS_USERNAME: EMULATOR_USERNAME,
  LCS_PASSWORD: EMULATOR_PASSWORD,
  LCS_CLIENT_ID: EMULATOR_CLIENT_ID,
  LCS_PROJECT_ID: String(SAMPLE_PROJECT_ID),
};

describe('e2e: npm run local', function () {
  this.timeout(60_000);

  describe('checks its environment before building', () => {
    it('npm run local without any LCS_* variable: exit 2 naming the four, nothing built', async () => {
      const r = await npmRunLocal({});
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /Missing environment variable\(s\): LCS_USERNAME, LCS_PASSWORD, LCS_CLIENT_ID, LCS_PROJECT_ID\./);
      assert.doesNotMatch(r.stdout + r.stderr, BUILDING);
    });

    it('malformed values: each named by its LCS_* variable (not a pipeline input), nothing built', async () => {
      const r = await local({
        ...VALID,
        LCS_PROJECT_ID: 'abc',
        LCS_CLIENT_ID: 'not-a-guid',
        LCS_API_URL: 'http://lcsapi.lcs.dynamics.com',
        LCS_NEWEST_BY: 'newest',
        LCS_MAX_AGE_DAYS: 'a week',
        LCS_REQUEST_TIMEOUT_SECONDS: '0',
        LCS_RETRY_BUDGET_SECONDS: '-5',
        LCS_BACKUP_ID: '../x',
      });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      for (const name of [
        'LCS_PROJECT_ID',
        'LCS_CLIENT_ID',
        'LCS_API_URL',
        'LCS_NEWEST_BY',
        'LCS_MAX_AGE_DAYS',
        'LCS_REQUEST_TIMEOUT_SECONDS',
        'LCS_RETRY_BUDGET_SECONDS',
        'LCS_BACKUP_ID',
      ]) {
        assert.match(r.stderr, new RegExp(`- ${name} `), `${name} not named:\n${r.stderr}`);
      }
      assert.doesNotMatch(r.stderr, /Input '|projectId|requestTimeoutSeconds|service connection/);
      assert.doesNotMatch(r.stdout + r.stderr, BUILDING);
    });

    for (const [variable, value] of [
      ['HTTPS_PROXY', 'http://proxyuser:S3cret-proxy@'],
      ['https_proxy', 'not a url S3cret-proxy'],
      ['HTTPS_PROXY', 'ftp://proxy:21'],
    ]) {
      it(`a bad ${variable} ('${value.replace('S3cret-proxy', '…')}'): named, its value (a possible password) not shown`, async () => {
        const r = await local({ ...VALID, [variable]: value });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, new RegExp(`- ${variable} is not a proxy URL`));
        assert.doesNotMatch(r.stdout + r.stderr, /S3cret-proxy/);
        assert.doesNotMatch(r.stdout + r.stderr, BUILDING);
      });
    }

    it('--help lists the timeout and retry budget variables, without building', async () => {
      const r = await local({}, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, /LCS_REQUEST_TIMEOUT_SECONDS/);
      assert.match(r.stdout, /LCS_RETRY_BUDGET_SECONDS/);
      assert.match(r.stdout, /LCS_BACKUP_ID/);
      assert.doesNotMatch(r.stdout, BUILDING);
    });

    it('refuses an argument that looks like a credential, without repeating it', async () => {
      const r = await local(VALID, 'Hunter2-password');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /looks like a credential/);
      assert.doesNotMatch(r.stdout + r.stderr, /Hunter2/);
    });
  });

  describe('which tasks it runs', () => {
    for (const task of ['export', 'refresh', 'LcsDatabaseRefreshV1']) {
      it(`--task ${task}: refused (exit 2) with why and what to do instead, before checking variables or building`, async () => {
        const r = await local({}, '--task', task);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /not run from a developer's machine\. They change an LCS environment/);
        assert.match(r.stderr, /npm run demo -- --task LcsDatabaseExportV1/);
        assert.doesNotMatch(r.stdout + r.stderr, BUILDING);
      });
    }

    it('--task status needs LCS_ENVIRONMENT_ID and LCS_OPERATION_ID, and checks them', async () => {
      const missing = await local(VALID, '--task', 'status');
      assert.equal(missing.code, 2, missing.stdout + missing.stderr);
      assert.match(missing.stderr, /Missing environment variable\(s\): LCS_ENVIRONMENT_ID, LCS_OPERATION_ID\./);
      const bad = await local(
        { ...VALID, LCS_ENVIRONMENT_ID: 'uat', LCS_OPERATION_ID: '0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d', LCS_POLL_INTERVAL_SECONDS: '0' },
        '--task',
        'status',
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /LCS_ENVIRONMENT_ID must be the environment's id/);
      assert.doesNotMatch(bad.stderr, /LCS_OPERATION_ID must/, 'the id without dashes is accepted');
      assert.match(bad.stderr, /LCS_POLL_INTERVAL_SECONDS must be a whole number from 1 to 3600/);
      assert.doesNotMatch(bad.stdout + bad.stderr, BUILDING);
    });
  });

  describe('runs the built task against the emulator (--no-build)', () => {
    const ctx = useEmulator();
    const against = (): Record<string, string> => ({
      ...VALID,
      LCS_API_URL: ctx.emu.apiUrl,
      LCS_AUTHORITY: ctx.emu.authority,
      NODE_EXTRA_CA_CERTS: ctx.emu.caFile,
    });

    it('LCS_BACKUP_ID chooses that backup; the password never shows', async () => {
      const older = ctx.emu.backups.find((b) => b.Name === 'Golden config')!;
      const r = await local({ ...against(), LCS_BACKUP_ID: older.Id! }, '--no-build');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Result: Succeeded/);
      assert.ok(r.stdout.includes(`lcs.BackupId = ${older.Id}`), r.stdout);
      assert.match(r.stdout, /lcs\.FileLocation = \*\*\*/);
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(EMULATOR_PASSWORD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

    it('--task status looks once at an operation (read-only) and prints its state', async () => {
      const environmentId = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
      const op = addOperation(ctx.emu, { kind: 'refresh', environmentId, script: ['InProgress', 'Completed'], startedAt: Date.now() - 60_000 });
      const r = await local({ ...against(), LCS_ENVIRONMENT_ID: environmentId, LCS_OPERATION_ID: op.activityId }, '--task', 'status', '--no-build');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /lcs\.OperationStatus = InProgress/);
      const lcs = ctx.emu.requests.filter((q) => q.path.startsWith('/databasemovement/'));
      assert.deepEqual(
        lcs.map((q) => `${q.method} ${q.path.split('/')[3]}`),
        ['GET fetchstatus'],
        'one status request, nothing started',
      );
    });

    it('LCS_DOWNLOAD_DIRECTORY downloads the chosen backup there, verified', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-local-dl-'));
      try {
        const blob = ctx.emu.addBlob('local.bacpac', { size: 3 * 1024 * 1024 });
        ctx.emu.backups[0].FileLocation = ctx.emu.blobUrl(blob.name);
        const r = await local({ ...against(), LCS_DOWNLOAD_DIRECTORY: dir, LCS_DOWNLOAD_CONNECTIONS: '2' }, '--no-build');
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /verified by MD5/);
        assert.deepEqual(readdirSync(dir), [ctx.emu.backups[0].FileName]);
        assert.ok(r.stdout.includes(`lcs.DownloadedFilePath = ${path.join(dir, ctx.emu.backups[0].FileName!)}`), r.stdout);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('LCS_REQUEST_TIMEOUT_SECONDS and LCS_RETRY_BUDGET_SECONDS reach the task (a hanging list fails within 2 s, with no retry)', async () => {
      for (let i = 0; i < 5; i++) ctx.emu.lcsSteps.push({ hang: true });
      const r = await local({ ...against(), LCS_REQUEST_TIMEOUT_SECONDS: '2', LCS_RETRY_BUDGET_SECONDS: '0' }, '--no-build');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /Result: Failed/);
      // The run-wide deadline is budget + timeout = 2 s, so the list (after sign-in) gets a little less.
      assert.match(r.stdout, /no complete answer within [12]\.\d s/);
      const lists = ctx.emu.requests.filter((q) => q.path.startsWith('/databasemovement/'));
      assert.equal(lists.length, 1, 'a retry budget of 0 allows no second attempt');
    });
  });
});
