/**
 * Microsoft Entra ID refuses the sign-in: one error each, quoting Entra's code and trace id and
 * naming the fix; no retry of the token request and no LCS request.
 */
import { strict as assert } from 'node:assert';
import { EMULATOR_CLIENT_ID, EMULATOR_USERNAME, entraError, type Emulator, type Step } from '../emulator/emulator';
import { tokenSuccess } from '../emulator/entra';
import { assertInvariants, assertMentions, listRequests, runLcsTask, singleError, tokenRequests, useEmulator } from './helpers';

const FIXES: Record<number, (string | RegExp)[]> = {
  50076: [/multi-factor authentication \(MFA\)/, /without MFA/],
  50079: [/register for multi-factor authentication/, /excluded from MFA/],
  50126: [/username or password is wrong/, /Federated/, /cloud-only account/],
  7000218: [/not a public client/, 'Allow public client flows'],
  65001: [/consented/, 'Dynamics Lifecycle services', 'Grant admin consent'],
  500011: [/not known in this tenant/, /geography/, 'Lifecycle Services API endpoint'],
  700016: [/not registered in this tenant/, 'application (client) id'],
  50034: [/does not exist in this tenant/, 'username'],
  53003: [/Conditional Access/],
  9001023: [/refused on the \/common and \/consumers endpoints/, 'https://login.microsoftonline.com/organizations'],
  50194: [/single-tenant/, /authentication endpoint to your tenant/],
  90002: [/tenant .* was not found/, /tenant id or domain/],
  50158: [/external security challenge/, /exclude the service account/],
  50074: [/strong authentication \(MFA\)/, /without MFA/],
  // Unknown to the task: Entra's own description is shown.
  40000: ['emulated Entra error 40000', 'https://login.microsoftonline.com/error'],
};

describe('e2e: Microsoft Entra ID sign-in errors', function () {
  const ctx = useEmulator();

  for (const [codeText, fix] of Object.entries(FIXES)) {
    const code = Number(codeText);
    it(`AADSTS${code}: one actionable error with the code and trace id, no retry, no LCS request`, async () => {
      const emu = ctx.emu;
      const step = entraError(code);
      const body = step.body as { trace_id: string; correlation_id: string };
      emu.tokenSteps.push(step);
      const run = await runLcsTask(emu);
      assertInvariants(run, emu);
      const message = singleError(run);
      assertMentions(message, `AADSTS${code}`, body.trace_id, ...fix);
      assert.equal(tokenRequests(emu).length, 1, 'the token request was retried');
      assert.equal(listRequests(emu).length, 0, 'LCS was called without a token');
      assert.equal(emu.requests.length, 1);
      assert.equal(emu.issuedTokens.length, 0);
      assert.equal(Object.keys(run.variables).length, 0);
      // Entra's multi-line description must not spill raw lines into the log.
      assert.ok(!/\r|\n/.test(message));
    });
  }

  it('a connection on /common (as d365fo.tools sets up): signs in on /organizations instead and says so', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { endpoint: { url: `${emu.url}/common` } });
    assertInvariants(run, emu);
    assert.equal(run.result?.result, 'Succeeded', run.stdout);
    assertMentions(
      run.plainLines.join('\n'),
      /the connection says \/common, where Microsoft Entra ID refuses the password sign-in, AADSTS9001023: signing in on \/organizations instead/,
    );
    assert.deepEqual(
      tokenRequests(emu).map((r) => r.path.split('?')[0]),
      ['/organizations/oauth2/v2.0/token'],
    );
  });

  it('the emulator refuses the password grant on /common itself (AADSTS9001023), a single-tenant app on /organizations (AADSTS50194), an unknown tenant (AADSTS90002)', async () => {
    const emu = ctx.emu;
    emu.singleTenantApp = true;
    assertMentions(singleError(await runLcsTask(emu)), 'AADSTS50194', /single-tenant/);
    emu.singleTenantApp = false;
    assertMentions(singleError(await runLcsTask(emu, { endpoint: { url: `${emu.url}/fabrikam.example` } })), 'AADSTS90002', /was not found/);
    const status = await runLcsTask(emu, { endpoint: { url: `${emu.url}/consumers` } });
    assert.equal(status.result?.result, 'Succeeded', 'consumers is replaced too');
    assert.ok(!tokenRequests(emu).some((r) => /\/(common|consumers)\//.test(r.path)), 'no token request on /common or /consumers');
  });

  it("a wrong password in the connection (the emulator's own check): AADSTS50126 with its fix", async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { endpoint: { password: 'Wrong-Password-123' } });
    assertInvariants(run, emu, { extraSecrets: ['Wrong-Password-123'] });
    const message = singleError(run);
    assertMentions(message, 'AADSTS50126', /trace id [0-9a-f-]{36}/, /username or password/);
    assert.equal(emu.requests.length, 1);
  });
});

/** A token answer like Entra's with some fields replaced; the token is recorded, so the leak check covers it. */
function oddTokenAnswer(emu: Emulator, changes: Record<string, unknown>): Step {
  const issued = tokenSuccess({ issuerBase: emu.url, clientId: EMULATOR_CLIENT_ID, username: EMULATOR_USERNAME, scope: '', apiUrl: emu.apiUrl });
  emu.issuedTokens.push(issued.accessToken);
  return { ...issued.step, body: { ...(issued.step.body as Record<string, unknown>), ...changes } };
}

describe('e2e: token answers with values out of range', function () {
  const ctx = useEmulator();

  // Each ended as "Unexpected error: Invalid time value. This is a bug in the task".
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['expires_in of 1e13 seconds', { expires_in: 1e13, ext_expires_in: 1e13 }, /lifetime/],
    ['expires_in that is not a number', { expires_in: 'soon', ext_expires_in: 'soon' }, /lifetime/],
    ['expires_in of 0', { expires_in: 0, ext_expires_in: 0 }, /lifetime/],
    ['an access token that is a number', { access_token: 12345 }, /access token/],
    ['an access token that is an object', { access_token: { value: 'x' } }, /access token/],
    ['an access token with a line break', { access_token: 'eyJ0eXAi.abc\n##vso[task.setvariable variable=Injected]owned' }, /access token/],
  ];
  for (const [title, changes, mentions] of cases) {
    it(`${title}: one readable sign-in failure, no LCS request`, async () => {
      const emu = ctx.emu;
      emu.tokenSteps.push(oddTokenAnswer(emu, changes));
      const run = await runLcsTask(emu);
      assertInvariants(run, emu);
      const message = singleError(run);
      assertMentions(message, /Microsoft Entra ID/, mentions);
      assert.doesNotMatch(message, /Unexpected error|Invalid time value|bug in the task/);
      assert.equal(listRequests(emu).length, 0);
      assert.equal(run.variables.Injected, undefined);
    });
  }

  it('HTTP 429 with a Retry-After of 1e13 seconds: throttling, beyond the budget', async () => {
    const emu = ctx.emu;
    emu.tokenSteps.push({
      status: 429,
      headers: { 'Retry-After': '10000000000000' },
      body: { error: 'temporarily_unavailable', error_description: 'AADSTS90055: Too many requests.' },
    });
    const run = await runLcsTask(emu);
    assertInvariants(run, emu);
    const message = singleError(run);
    assertMentions(message, 'Microsoft Entra ID', /is throttling requests \(HTTP 429\)/, /beyond what is left of the retry budget/);
    assert.doesNotMatch(message, /Invalid time value|bug in the task/);
    assert.equal(tokenRequests(emu).length, 1);
  });

  it('HTTP 429 without Retry-After until the budget is spent: says Entra ID is throttling', async () => {
    const emu = ctx.emu;
    emu.tokenSteps.push({ status: 429, body: { error: 'temporarily_unavailable', error_description: 'AADSTS90055: Too many requests.' } });
    const run = await runLcsTask(emu, { inputs: { retryBudgetSeconds: '0' } });
    assertInvariants(run, emu);
    assertMentions(singleError(run), 'Microsoft Entra ID', /is throttling requests \(HTTP 429\)/, /retryBudgetSeconds/);
  });
});
