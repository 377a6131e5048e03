import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { caFile, startEmulator, type Emulator } from '../../emulator/emulator';
import { startConnectProxy } from '../../emulator/proxy';
import { send } from '../../support/emulatorRequest';

const ca = readFileSync(caFile);

describe('CONNECT proxy', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu.close();
  });

  function connect(
    proxyUrl: string,
    target: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; socket: import('node:net').Socket }> {
    return new Promise((resolve, reject) => {
      const proxy = new URL(proxyUrl);
      const req = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target, headers, agent: false });
      req.on('connect', (res: http.IncomingMessage, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }));
      req.on('error', reject);
      req.end();
    });
  }

  it('tunnels to the emulator and records the CONNECT', async () => {
    const proxy = await startConnectProxy();
    try {
      const target = new URL(emu.url).host;
      const tunnel = await connect(proxy.url, target);
      assert.equal(tunnel.status, 200);
      const secure = tls.connect({ socket: tunnel.socket, ca, servername: 'localhost' });
      const reply = await send(`${emu.url}/nowhere`, { createConnection: () => secure });
      assert.equal(reply.status, 404);
      assert.deepEqual(proxy.connects, [{ target, status: 200 }]);
      secure.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('requires Basic proxy credentials when configured (407), refuses remote targets (403) and plain requests (405)', async () => {
    const proxy = await startConnectProxy({ username: 'agent', password: 'proxy-secret' });
    try {
      const target = new URL(emu.url).host;
      const refused = await connect(proxy.url, target);
      assert.equal(refused.status, 407);
      assert.match(String(refused.headers['proxy-authenticate']), /^Basic /);
      const authorization = `Basic ${Buffer.from('agent:proxy-secret').toString('base64')}`;
      const allowed = await connect(proxy.url, target, { 'Proxy-Authorization': authorization });
      assert.equal(allowed.status, 200);
      allowed.socket.destroy();
      assert.equal((await connect(proxy.url, 'example.com:443', { 'Proxy-Authorization': authorization })).status, 403);
      assert.deepEqual(
        proxy.connects.map((c) => [c.status, c.authorization]),
        [
          [407, undefined],
          [200, authorization],
          [403, authorization],
        ],
      );
      const plain = await new Promise<number>((resolve, reject) => {
        http
          .get(`${proxy.url}/`, { agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      assert.equal(plain, 405);
    } finally {
      await proxy.close();
    }
  });
});
