import { strict as assert } from 'node:assert';
import { urlPasswordSecretCommands, urlPasswords, withoutUserinfo } from '../../tasks/common/platform/urlCredentials';
import { parseVsoLine } from '../support/vso';

describe('urlCredentials', () => {
  describe('withoutUserinfo', () => {
    for (const [input, expected] of [
      ['https://user:pw@host.example/path?q=1', 'https://***@host.example/path?q=1'],
      ['https://user@host.example', 'https://***@host.example'],
      ['https://a:b@c@host.example:99999', 'https://***@host.example:99999'],
      ['user:pw@host.example', '***@host.example'],
      ['http:\\\\user:pw@host', 'http:\\\\***@host'],
      ['https://host.example/path@x', 'https://host.example/path@x'],
      ['https://host.example/?mail=a@b', 'https://host.example/?mail=a@b'],
      ['no url at all', 'no url at all'],
    ]) {
      it(`${input} → ${expected}`, () => assert.equal(withoutUserinfo(input), expected));
    }
  });

  describe('urlPasswords', () => {
    it('returns the password as written and decoded', () => {
      assert.deepEqual(urlPasswords('http://agent:p%40ss%3Aword@proxy:8080'), ['p%40ss%3Aword', 'p@ss:word']);
    });

    it('returns one form when both are the same', () => {
      assert.deepEqual(urlPasswords('https://u:plain@host/'), ['plain']);
    });

    it('returns nothing without a password, or for text that is not a URL', () => {
      assert.deepEqual(urlPasswords('https://user@host/'), []);
      assert.deepEqual(urlPasswords('https://host/'), []);
      assert.deepEqual(urlPasswords('not a url'), []);
    });

    it('never returns a form with a line break (the agent refuses it and prints the line)', () => {
      assert.deepEqual(urlPasswords('https://u:a%0Ab@host/'), ['a%0Ab']);
    });

    it('keeps a malformed escape as written', () => {
      assert.deepEqual(urlPasswords('https://u:100%@host/'), ['100%']);
    });
  });

  describe('urlPasswordSecretCommands', () => {
    it('registers the passwords of the proxy URL and of connection URLs and data, nothing else', () => {
      const lines = urlPasswordSecretCommands({
        AGENT_PROXYURL: 'http://agent:proxy-pw@proxy:8080',
        ENDPOINT_URL_ep1: 'https://u:url-pw@login.example/organizations',
        ENDPOINT_DATA_ep1_APIURL: 'https://u:data-pw@lcsapi.example',
        ENDPOINT_URL_ep2: 'https://login.example/organizations',
        HOME_PAGE: 'https://u:not-an-agent-url@example',
      });
      const secrets = lines.map((line) => parseVsoLine(line)).map((c) => (c?.command === 'task.setsecret' ? c.message : undefined));
      assert.deepEqual(secrets.sort(), ['data-pw', 'proxy-pw', 'url-pw']);
    });

    it('writes nothing when no URL carries a password', () => {
      assert.deepEqual(urlPasswordSecretCommands({ AGENT_PROXYURL: 'http://proxy:8080', ENDPOINT_URL_x: 'https://user@host/' }), []);
    });
  });
});
