/** The session's token: one sign-in, renewed before it expires and on demand (after a 401). */
import { strict as assert } from 'node:assert';
import type { AccessToken } from '../../tasks/common/lcs/auth';
import type { HttpClient } from '../../tasks/common/http/http';
import { TokenKeeper } from '../../tasks/common/lcs/session';
import type { LcsSettings } from '../../tasks/common/lcs/connection';
import { FakeHost } from '../support/fakeHost';

const SETTINGS = { retryBudgetMs: 300_000, requestTimeoutMs: 100_000, connection: {} } as unknown as LcsSettings;

function keeper(lifetimeMs: number | undefined, clock: { now: number }) {
  const host = new FakeHost({ inputs: {} });
  let issued = 0;
  const acquire = async (): Promise<AccessToken> => {
    issued++;
    return { token: `token-${issued}`, expiresOn: lifetimeMs === undefined ? undefined : new Date(clock.now + lifetimeMs) };
  };
  const tokens = new TokenKeeper(host, SETTINGS, {} as HttpClient, acquire as never, () => clock.now);
  return { tokens, host, issued: () => issued };
}

describe('session: TokenKeeper', () => {
  it('signs in once and reuses the token while it is fresh', async () => {
    const clock = { now: 0 };
    const { tokens, host, issued } = keeper(3_600_000, clock);
    assert.equal(await tokens.current(), 'token-1');
    clock.now += 50 * 60_000;
    assert.equal(await tokens.current(), 'token-1');
    assert.equal(issued(), 1);
    assert.ok(host.secrets.has('token-1'));
    assert.match(host.text(), /^Signed in to Microsoft Entra ID \(token valid until/m);
  });

  it('renews 5 minutes before expiry (a fifth of a short lifetime), and registers the new token as a secret', async () => {
    const clock = { now: 0 };
    const { tokens, host } = keeper(3_600_000, clock);
    await tokens.current();
    clock.now = 55 * 60_000 - 1;
    assert.equal(await tokens.current(), 'token-1');
    clock.now = 55 * 60_000;
    assert.equal(await tokens.current(), 'token-2');
    assert.ok(host.secrets.has('token-2'));
    assert.match(host.text(), /^Renewed the access token/m);

    const short = keeper(10_000, { now: 0 });
    await short.tokens.current();
    assert.equal(short.issued(), 1);
  });

  it('renew() gets a new token whatever the lifetime says; no expiry means no timed renewal', async () => {
    const clock = { now: 0 };
    const { tokens, issued } = keeper(undefined, clock);
    await tokens.current();
    clock.now += 10 * 3_600_000;
    assert.equal(await tokens.current(), 'token-1');
    assert.equal(await tokens.renew(), 'token-2');
    assert.equal(issued(), 2);
  });
});
