import { strict as assert } from 'node:assert';
import { Agent as HttpsAgent } from 'node:https';
import { httpAgentFactory, tlsOptions } from '../../tasks/common/http/network';

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
