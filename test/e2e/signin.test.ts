/**
 * Microsoft Entra ID refuses the sign-in: one error each, quoting Entra's code and trace id and
 * naming the fix; no retry of the token request and no LCS request.
 */
import { strict as assert } from 'node:assert';
import { entraError } from '../emulator/emulator';
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
  // Unknown to the task: Entra's own description is shown.
  90002: ['emulated Entra error 90002', 'https://login.microsoftonline.com/error'],
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

  it('a wrong password in the connection (the emulator\'s own check): AADSTS50126 with its fix', async () => {
    const emu = ctx.emu;
    const run = await runLcsTask(emu, { endpoint: { password: 'Wrong-Password-123' } });
    assertInvariants(run, emu, { extraSecrets: ['Wrong-Password-123'] });
    const message = singleError(run);
    assertMentions(message, 'AADSTS50126', /trace id [0-9a-f-]{36}/, /username or password/);
    assert.equal(emu.requests.length, 1);
  });
});
