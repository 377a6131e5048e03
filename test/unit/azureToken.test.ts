import { strict as assert } from 'node:assert';
import { entraRefusal } from '../../tasks/common/azure/azureToken';

const TENANT = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';

describe("azureToken: Entra's refusals", () => {
  const entra = (code: number): string =>
    JSON.stringify({ error: 'invalid_client', error_description: `AADSTS${code}: something.\r\nTrace ID: x`, error_codes: [code] });

  it('Entra: federated credential mismatches and secrets say what to check', () => {
    const e = entraRefusal({ status: 400, headers: {}, body: entra(700213), attempts: 1 }, TENANT);
    assert.match(e.userMessage, /AADSTS700213/);
    assert.match(e.userMessage, /sc:\/\/<organization>\/<project>\/<connection name>/);
    assert.match(entraRefusal({ status: 400, headers: {}, body: entra(70021), attempts: 1 }, TENANT).userMessage, /Federated credentials/);
    assert.match(entraRefusal({ status: 401, headers: {}, body: entra(7000222), attempts: 1 }, TENANT).userMessage, /expired/);
    assert.match(entraRefusal({ status: 502, headers: {}, body: '<html>', attempts: 1 }, TENANT).userMessage, /HTTP 502/);
  });
});
