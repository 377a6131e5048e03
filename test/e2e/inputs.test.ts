/**
 * Bad inputs and connection fields fail at once, with a message naming the input or field, and
 * before any request: nothing reaches the emulator.
 */
import { strict as assert } from 'node:assert';
import type { E2eOptions } from './helpers';
import { assertInvariants, assertMentions, runLcsTask, singleError, useEmulator } from './helpers';

interface Case {
  title: string;
  options: (emu: { url: string; apiUrl: string; authority: string }) => E2eOptions;
  mentions: (string | RegExp)[];
}

const CASES: Case[] = [
  ...['abc', '-5', '12.5', '0', '1e3'].map((projectId): Case => ({
    title: `projectId '${projectId}'`,
    options: () => ({ inputs: { projectId } }),
    mentions: ["'projectId'", `'${projectId}'`, 'positive whole number'],
  })),
  { title: 'projectId empty', options: () => ({ inputs: { projectId: '' } }), mentions: ["'projectId'"] },
  { title: 'projectId missing', options: () => ({ inputs: { projectId: undefined } }), mentions: ["'projectId'"] },
  {
    title: 'apiurl over plain http',
    options: (emu) => ({ endpoint: { apiurl: emu.apiUrl.replace('https://', 'http://') } }),
    mentions: ['(apiurl)', 'https://', /plain HTTP/i],
  },
  {
    title: 'authentication endpoint over plain http',
    options: (emu) => ({ endpoint: { url: emu.authority.replace('https://', 'http://') } }),
    mentions: ['authentication endpoint (URL)', 'https://'],
  },
  {
    title: 'client id that is not a GUID',
    options: () => ({ endpoint: { clientid: 'my-app-registration' } }),
    mentions: ['application (client) id', "'my-app-registration'", 'GUID'],
  },
  { title: 'missing client id', options: () => ({ endpoint: { clientid: undefined } }), mentions: ['application (client) id', 'lcsConnection'] },
  { title: 'missing password', options: () => ({ endpoint: { password: undefined } }), mentions: ['password', 'lcsConnection'] },
  { title: 'missing username', options: () => ({ endpoint: { username: undefined } }), mentions: ['username', 'lcsConnection'] },
  { title: 'no connection chosen', options: () => ({ inputs: { lcsConnection: undefined } }), mentions: ["'lcsConnection'"] },
  {
    title: 'requestTimeoutSeconds that is not a number',
    options: () => ({ inputs: { requestTimeoutSeconds: 'ten' } }),
    mentions: ["'requestTimeoutSeconds'", "'ten'"],
  },
  { title: 'newestBy unknown', options: () => ({ inputs: { newestBy: 'size' } }), mentions: ["'newestBy'", 'created', 'modified'] },
];

describe('e2e: input validation (no request is made)', function () {
  const ctx = useEmulator();

  // Independent processes that make no request: run them side by side, then check each.
  for (const batch of [CASES.slice(0, 8), CASES.slice(8)]) {
    it(`rejects ${batch.map((c) => c.title).join('; ')}`, async function () {
      this.timeout(60_000);
      const emu = ctx.emu;
      const runs = await Promise.all(batch.map((c) => runLcsTask(emu, c.options(emu))));
      batch.forEach((c, i) => {
        const run = runs[i];
        assertInvariants(run, emu);
        const message = singleError(run);
        try {
          assertMentions(message, ...c.mentions);
        } catch (error) {
          throw new Error(`${c.title}: ${(error as Error).message}`, { cause: error });
        }
        assert.equal(Object.keys(run.variables).length, 0, `${c.title}: variables set`);
        assert.ok(run.durationMs < 10_000, `${c.title}: took ${Math.round(run.durationMs)} ms`);
      });
      assert.equal(emu.requests.length, 0, `requests were made: ${emu.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
    });
  }
});

/** The forms in which a password written into a URL could show in a line. */
function passwordForms(password: string): string[] {
  return [password, encodeURIComponent(password)];
}

describe("e2e: credentials written into a connection's URLs", function () {
  const ctx = useEmulator();
  const password = 'Url-P@ss-9f2e';
  const userinfo = `admin:${encodeURIComponent(password)}@`;

  // task-lib's getEndpointUrl/getEndpointDataParameter echo the value to debug output; the
  // task reads the variables itself, and quotes an unparseable URL without its user info.
  const cases: { title: string; endpoint: (emu: { authority: string; apiUrl: string }) => E2eOptions['endpoint']; mentions: (string | RegExp)[] }[] = [
    {
      title: 'an authentication endpoint with a user name and password',
      endpoint: (emu) => ({ url: emu.authority.replace('https://', `https://${userinfo}`) }),
      mentions: ['authentication endpoint (URL)', /must not contain a user name, password/],
    },
    {
      title: 'an API endpoint with a user name and password',
      endpoint: (emu) => ({ apiurl: emu.apiUrl.replace('https://', `https://${userinfo}`) }),
      mentions: ['(apiurl)', /must not contain a user name, password/],
    },
    {
      title: 'an API endpoint with credentials that is not a valid URL (port out of range)',
      endpoint: () => ({ apiurl: `https://${userinfo}lcsapi.lcs.dynamics.com:99999` }),
      mentions: ['(apiurl)', "'https://***@lcsapi.lcs.dynamics.com:99999'", /not an absolute URL/],
    },
  ];
  for (const c of cases) {
    it(`${c.title}: Failed, and the password is in no line, debug output included`, async () => {
      const emu = ctx.emu;
      const run = await runLcsTask(emu, { endpoint: c.endpoint(emu), env: { SYSTEM_DEBUG: 'true' } });
      assertInvariants(run, emu, { extraSecrets: passwordForms(password) });
      assertMentions(singleError(run), ...c.mentions);
      for (const { text } of run.output) {
        if (text.startsWith('##vso[task.setsecret]')) continue;
        for (const form of passwordForms(password)) assert.ok(!text.includes(form), `the URL's password appears in: ${text}`);
      }
      assert.equal(emu.requests.length, 0);
    });
  }
});

describe('e2e: secrets the agent cannot mask', function () {
  const ctx = useEmulator();

  // task-lib's setSecret throws on a line break: it ended as "Unexpected error ... a bug in the task".
  it('a connection password with a line break: one InputError naming it, the password in no line', async () => {
    const emu = ctx.emu;
    const password = 'Two-Line-Pa55\nword-8c1d';
    const run = await runLcsTask(emu, { endpoint: { password } });
    assertInvariants(run, emu, { extraSecrets: password.split('\n') });
    assertMentions(singleError(run), /password of service connection LcsE2eConnection contains a line break/, /one line/);
    assert.equal(emu.requests.length, 0);
  });
});
