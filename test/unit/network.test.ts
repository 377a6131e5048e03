import { strict as assert } from 'node:assert';
import { Agent as HttpsAgent } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { httpAgentFactory, tlsOptions } from '../../tasks/common/http/network';
import { InputError } from '../../tasks/common/platform/errors';
import { caFile } from '../emulator/emulator';

describe('network: certificate checks', () => {
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  beforeEach(() => {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
  });

  it('TLS options always ask for certificate checks, with or without a CA', () => {
    assert.equal(tlsOptions({ proxyFor: () => undefined }).rejectUnauthorized, true);
  });

  it("the agent's CA: one TLS context shared by every connection (not one per connection); a client certificate that cannot be used is an InputError", () => {
    const withCa = { proxyFor: () => undefined, cert: { caFile } };
    const options = tlsOptions(withCa);
    assert.ok(options.secureContext, 'a context built once');
    assert.equal(tlsOptions(withCa).secureContext, options.secureContext, 'the same settings: the same context, the files read once');
    assert.equal(tlsOptions({ proxyFor: () => undefined }).secureContext, undefined, "Node's default context without a CA of the agent");
    const direct = httpAgentFactory({ proxyFor: () => undefined, cert: { caFile } })('https://lcsapi.lcs.dynamics.com/x') as HttpsAgent;
    assert.ok(direct.options.secureContext);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-cert-'));
    try {
      writeFileSync(path.join(dir, 'cert.pem'), 'not a certificate');
      writeFileSync(path.join(dir, 'key.pem'), 'not a key');
      const settings = { proxyFor: () => undefined, cert: { caFile, certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') } };
      assert.throws(
        () => tlsOptions(settings),
        (e: unknown) => e instanceof InputError && /client certificate/.test(e.message) && !e.message.includes('not a'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a direct connection always gets an agent of ours that checks certificates (never Node's global agent)", () => {
    const agent = httpAgentFactory({ proxyFor: () => undefined })('https://lcsapi.lcs.dynamics.com/x');
    assert.ok(agent instanceof HttpsAgent);
    assert.equal((agent as HttpsAgent).options.rejectUnauthorized, true);
  });

  it('the proxy tunnel checks the certificates of the proxy and of the target', () => {
    const proxy = { formattedUrl: 'https://127.0.0.1:3128', displayUrl: 'https://127.0.0.1:3128' };
    const tunnel = httpAgentFactory({ proxyFor: () => proxy })('https://lcsapi.lcs.dynamics.com/x') as unknown as {
      connectOpts: { rejectUnauthorized?: boolean };
      targetTls: { rejectUnauthorized?: boolean };
    };
    assert.equal(tunnel.connectOpts.rejectUnauthorized, true);
    assert.equal(tunnel.targetTls.rejectUnauthorized, true);
  });
});
