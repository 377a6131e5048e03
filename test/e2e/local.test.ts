/**
 * `npm run local` (scripts/run-local.mjs), spawned as a developer would: its LCS_* variables are
 * checked before anything is built, every message names the variable, and the timeout, the retry
 * budget and backupId reach the task.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { EMULATOR_CLIENT_ID, EMULATOR_PASSWORD, EMULATOR_USERNAME, SAMPLE_PROJECT_ID } from '../emulator/emulator';
import { findRepoRoot } from '../support/repo';
import { useEmulator } from './helpers';

const root = findRepoRoot(__dirname);
const SCRIPT = path.join(root, 'scripts', 'run-local.mjs');
const BUILDING = /Building the task/;

interface Result { code: number | null; stdout: string; stderr: string }

/** Runs a command with exactly `env` (plus PATH and HOME), never the developer's own LCS_* variables. */
function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const base: Record<string, string> = {};
    for (const key of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR', 'TEMP', 'TMP']) if (process.env[key] !== undefined) base[key] = process.env[key]!;
    const child = spawn(command, args, { cwd: root, env: { ...base, ...env }, shell: process.platform === 'win32' && command === 'npm' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const local = (env: Record<string, string>, ...args: string[]): Promise<Result> => run(process.execPath, [SCRIPT, ...args], env);

/** `npm run local`, through the npm that runs the tests when there is one. */
function npmRunLocal(env: Record<string, string>): Promise<Result> {
  const npmCli = process.env.npm_execpath;
  return npmCli && /\.c?js$/.test(npmCli)
    ? run(process.execPath, [npmCli, 'run', 'local'], env)
    : run('npm', ['run', 'local'], env);
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
      for (const name of ['LCS_PROJECT_ID', 'LCS_CLIENT_ID', 'LCS_API_URL', 'LCS_NEWEST_BY', 'LCS_MAX_AGE_DAYS', 'LCS_REQUEST_TIMEOUT_SECONDS', 'LCS_RETRY_BUDGET_SECONDS', 'LCS_BACKUP_ID']) {
        assert.match(r.stderr, new RegExp(`- ${name} `), `${name} not named:\n${r.stderr}`);
      }
      assert.doesNotMatch(r.stderr, /Input '|projectId|requestTimeoutSeconds|service connection/);
      assert.doesNotMatch(r.stdout + r.stderr, BUILDING);
    });

    for (const [variable, value] of [['HTTPS_PROXY', 'http://proxyuser:S3cret-proxy@'], ['https_proxy', 'not a url S3cret-proxy'], ['HTTPS_PROXY', 'ftp://proxy:21']]) {
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

  describe('runs the built task against the emulator (--no-build)', () => {
    const ctx = useEmulator();
    const against = (): Record<string, string> => ({
      ...VALID, LCS_API_URL: ctx.emu.apiUrl, LCS_AUTHORITY: ctx.emu.authority, NODE_EXTRA_CA_CERTS: ctx.emu.caFile,
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
