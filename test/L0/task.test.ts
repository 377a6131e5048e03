/**
 * L0: the compiled backups task under azure-pipelines-task-lib's own MockTestRunner, with sign-in
 * and HTTP mocked. What this layer adds beyond test/inprocess and test/e2e: the real task-lib
 * writes the logging commands (setvariable with isSecret, setsecret, task.complete with
 * SucceededWithIssues, error issues) and Microsoft's harness reads them back, so a change in how
 * pipelineHost.ts calls task-lib, or in task-lib itself, shows here as the agent would see it.
 * Behaviour (selection, inputs, LCS answers) is tested in-process and end to end, not here.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { MockTestRunner } from 'azure-pipelines-task-lib/mock-test';
import type { L0Case } from './scenario';

const PASSWORD = 'L0-Pa55word-do-not-print';
const TOKEN = 'L0-access-token-eyJhbGciOi-do-not-print';
const SAS1 = 'https://acct.blob.core.windows.net/c/newest.bacpac?sv=2015-12-11&sr=b&sig=NEWESTsig%2F1%3D&se=2099-01-01T00%3A00%3A00Z&sp=r';
const SAS2 = 'https://acct.blob.core.windows.net/c/older.bacpac?sv=2015-12-11&sr=b&sig=OLDERsig%2F2%3D&se=2099-01-01T00%3A00%3A00Z&sp=r';

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().replace('Z', '');
}

function asset(id: string, name: string, fileName: string, created: string, location: string): Record<string, unknown> {
  return {
    Id: id,
    ProjectId: 1234567,
    OrganizationId: 1,
    Name: name,
    FileName: fileName,
    FileDescription: '',
    FileLocation: location,
    CreatedDateTime: created,
    ModifiedDateTime: created,
    CreatedByName: null,
    ModifiedByName: null,
  };
}

function envelope(assets: unknown[]): unknown {
  return {
    DatabaseAssets: assets,
    IsSuccess: true,
    OperationActivityId: '55eb4327-9346-4c7b-82bd-fe8ef15112c6',
    ErrorMessage: null,
    VersionEOL: '9999-12-31T23:59:59.9999999',
  };
}

const TWO_BACKUPS = envelope([
  asset('22222222-2222-2222-2222-222222222222', 'UAT older', 'older.bacpac', daysAgo(3), SAS2),
  asset('11111111-1111-1111-1111-111111111111', 'UAT newest', 'newest.bacpac', daysAgo(1), SAS1),
]);

function baseCase(overrides: Partial<L0Case> = {}, inputs: Record<string, string> = {}): L0Case {
  return {
    inputs: {
      connectionType: 'databaseMovement',
      lcsConnection: 'EP1',
      projectId: '1234567',
      newestBy: 'created',
      failIfNoBackup: 'true',
      fileLocationIsSecret: 'true',
      ...inputs,
    },
    endpointId: 'EP1',
    endpoint: {
      url: 'https://login.microsoftonline.com/organizations',
      apiurl: 'https://lcsapi.lcs.dynamics.com',
      username: 'lcs-pipeline@contoso.example',
      password: PASSWORD,
      clientid: '5c1d2f3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
    },
    envelope: TWO_BACKUPS,
    token: TOKEN,
    ...overrides,
  };
}

async function run(testCase: L0Case): Promise<MockTestRunner> {
  process.env.L0_CASE = JSON.stringify(testCase);
  try {
    const tr = new MockTestRunner(path.join(__dirname, 'scenario.js'));
    // MockTestRunner downloads a Node binary unless told which one to use.
    tr.nodePath = process.execPath;
    await tr.runAsync();
    return tr;
  } finally {
    delete process.env.L0_CASE;
    for (const key of Object.keys(process.env).filter((k) => k.startsWith('ENDPOINT_'))) {
      delete process.env[key];
    }
  }
}

function outputOf(tr: MockTestRunner, name: string): { value: string; secret: boolean } | undefined {
  const line = tr.stdout.split(/\r?\n/).find((l) => l.startsWith(`##vso[task.setvariable variable=${name};`));
  if (!line) {
    return undefined;
  }
  assert.match(line, /isOutput=true;/, `${name} must be an output variable`);
  // Undo task-lib's escaping of command data.
  const value = line
    .slice(line.indexOf(']') + 1)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%AZP25/g, '%');
  return { value, secret: /issecret=true;/.test(line) };
}

/** Lines that are not the setsecret/setvariable commands that must carry the values. */
function otherLines(tr: MockTestRunner): string[] {
  return tr.stdout.split(/\r?\n/).filter((l) => !l.startsWith('##vso[task.setsecret]') && !l.startsWith('##vso[task.setvariable variable=FileLocation;'));
}

describe('L0: LcsDatabaseBackups task wiring (MockTestRunner)', function () {
  this.timeout(20_000);

  it('publishes the newest backup as output variables, FileLocation secret', async () => {
    const tr = await run(baseCase());
    assert.ok(tr.succeeded, tr.stdout);
    assert.equal(outputOf(tr, 'BackupId')?.value, '11111111-1111-1111-1111-111111111111');
    assert.deepEqual(outputOf(tr, 'FileLocation'), { value: SAS1, secret: true });
    assert.equal(outputOf(tr, 'BackupName')?.value, 'UAT newest');
    assert.equal(outputOf(tr, 'BackupFileName')?.value, 'newest.bacpac');
    assert.match(outputOf(tr, 'BackupCreatedDateTime')!.value, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(outputOf(tr, 'BackupCount')?.value, '2');
    assert.equal(outputOf(tr, 'FileLocationExpiresOn')?.value, '2099-01-01T00:00:00Z');
    assert.ok(tr.stdout.includes('L0: GET /databasemovement/v1/databases/project/1234567, token matches: true'), tr.stdout);
  });

  it('registers the password, the token and every FileLocation as secrets and prints none of them elsewhere', async () => {
    const tr = await run(baseCase());
    for (const secret of [PASSWORD, TOKEN, SAS1, SAS2]) {
      assert.ok(tr.stdout.includes(`##vso[task.setsecret]${secret.replace(/%/g, '%AZP25')}`), `setsecret for ${secret.slice(0, 20)}`);
      for (const line of otherLines(tr)) {
        assert.ok(!line.includes(secret) && !line.includes('sig=NEWESTsig') && !line.includes('sig=OLDERsig'), `secret leaked: ${line}`);
      }
    }
  });

  it('publishes FileLocation as a plain variable when fileLocationIsSecret is false, still without printing it', async () => {
    const tr = await run(baseCase({}, { fileLocationIsSecret: 'false' }));
    assert.ok(tr.succeeded, tr.stdout);
    assert.deepEqual(outputOf(tr, 'FileLocation'), { value: SAS1, secret: false });
    assert.ok(!tr.stdout.includes(`##vso[task.setsecret]${SAS1.replace(/%/g, '%AZP25')}`));
    assert.ok(otherLines(tr).every((l) => !l.includes('NEWESTsig')));
  });

  it('ends with the sign-in failure message, once, without a stack trace', async () => {
    const tr = await run(baseCase({ signInFailure: 'Sign-in to Microsoft Entra ID failed: the username or password is wrong (AADSTS50126).' }));
    assert.ok(tr.failed);
    assert.deepEqual(tr.errorIssues, ['Sign-in to Microsoft Entra ID failed: the username or password is wrong (AADSTS50126). Fix it.']);
    assert.ok(!/\n\s+at /.test(tr.stdout), 'no stack trace');
  });

  it('ends SucceededWithIssues with BackupCount 0 when nothing matches and failIfNoBackup is false', async () => {
    const tr = await run(baseCase({}, { failIfNoBackup: 'false', nameFilter: 'PROD*' }));
    assert.ok(tr.stdout.includes('##vso[task.complete result=SucceededWithIssues;]'), tr.stdout);
    assert.equal(outputOf(tr, 'BackupCount')?.value, '0');
    assert.equal(outputOf(tr, 'BackupId')?.value, '');
  });

  it('does not let a backup name set a variable', async () => {
    const evil = envelope([
      asset('33333333-3333-3333-3333-333333333333', '##vso[task.setvariable variable=Injected]owned', '##[error]x.bacpac', daysAgo(1), SAS1),
    ]);
    const tr = await run(baseCase({ envelope: evil }));
    assert.ok(tr.succeeded, tr.stdout);
    const injected = tr.stdout.split(/\r?\n/).filter((l) => /##vso\[task\.setvariable variable=Injected/i.test(l));
    assert.deepEqual(injected, []);
    assert.ok(tr.stdout.split(/\r?\n/).every((l) => !l.startsWith('##[error]')));
    // Later steps echo the outputs, so the markers are neutralized in them too.
    assert.equal(outputOf(tr, 'BackupName')?.value, '##_vso[task.setvariable variable=Injected]owned');
    assert.equal(outputOf(tr, 'BackupFileName')?.value, '##_[error]x.bacpac');
  });
});
