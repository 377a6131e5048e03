/** The emulator's Azure Resource Manager side answers as Entra and the agent do (so the copy tests can fail). */
import { strict as assert } from 'node:assert';
import { ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID, SYSTEM_ACCESS_TOKEN, clientCredentialsStep, newAzureRm, oidcStep } from '../../emulator/azureRm';

const form = (fields: Record<string, string>): URLSearchParams =>
  new URLSearchParams({ grant_type: 'client_credentials', client_id: ARM_CLIENT_ID, scope: 'https://storage.azure.com/.default', ...fields });
const codes = (step: { body?: unknown } | undefined): unknown => (step?.body as { error_codes?: number[] })?.error_codes?.[0];

describe('emulator: Azure Resource Manager sign-in', () => {
  it('the OIDC endpoint wants the job token, api-version 7.1 and the connection id', () => {
    const emu = newAzureRm();
    assert.equal(oidcStep(emu, 'Bearer wrong', new URLSearchParams({ 'api-version': '7.1', serviceConnectionId: 'x' })).status, 401);
    assert.equal(oidcStep(emu, `Bearer ${SYSTEM_ACCESS_TOKEN}`, new URLSearchParams({ serviceConnectionId: 'x' })).status, 400);
    const ok = oidcStep(emu, `Bearer ${SYSTEM_ACCESS_TOKEN}`, new URLSearchParams({ 'api-version': '7.1', serviceConnectionId: 'x' }));
    assert.equal((ok.body as { oidcToken: string }).oidcToken, emu.oidcTokens[0]);
  });

  it('client credentials: an issued ID token or the secret; a subject mismatch is AADSTS700213', () => {
    const emu = newAzureRm();
    const assertion = (token: string): URLSearchParams =>
      form({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: token });
    assert.equal(codes(clientCredentialsStep(emu, ARM_TENANT_ID, assertion('not-issued'))), 700211);
    oidcStep(emu, `Bearer ${SYSTEM_ACCESS_TOKEN}`, new URLSearchParams({ 'api-version': '7.1', serviceConnectionId: 'x' }));
    assert.ok((clientCredentialsStep(emu, ARM_TENANT_ID, assertion(emu.oidcTokens[0]))?.body as { access_token: string }).access_token);
    emu.subjectMatches = false;
    assert.equal(codes(clientCredentialsStep(emu, ARM_TENANT_ID, assertion(emu.oidcTokens[0]))), 700213);
    assert.equal(codes(clientCredentialsStep(emu, ARM_TENANT_ID, form({ client_secret: 'wrong' }))), 7000215);
    assert.equal(
      codes(clientCredentialsStep(emu, ARM_TENANT_ID, form({ client_secret: ARM_CLIENT_SECRET, scope: 'https://management.azure.com/.default' }))),
      500011,
    );
    assert.equal(clientCredentialsStep(emu, 'organizations', form({ client_secret: ARM_CLIENT_SECRET })), undefined, 'the LCS authority answers as before');
    assert.equal(emu.storageTokens.length, 1);
  });

  it("a storage token looks like Entra's to Azurite: issuer, audience, lifetime", () => {
    const emu = newAzureRm();
    const step = clientCredentialsStep(emu, ARM_TENANT_ID, form({ client_secret: ARM_CLIENT_SECRET }));
    const token = (step?.body as { access_token: string }).access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.aud, 'https://storage.azure.com');
    assert.equal(claims.iss, `https://sts.windows.net/${ARM_TENANT_ID}/`);
    assert.ok((claims.exp as number) > Date.now() / 1000);
  });
});
