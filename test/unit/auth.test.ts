import { strict as assert } from 'node:assert';
import { checkTokenAnswer } from '../../tasks/common/lcs/auth';
import { SignInError } from '../../tasks/common/platform/errors';

const JWT = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';

describe('auth: checkTokenAnswer, what MSAL takes from a token answer', () => {
  it('accepts a token answer as Entra ID sends it (expires_in as a number or as digits)', () => {
    assert.equal(checkTokenAnswer({ access_token: JWT, expires_in: 3599 }), undefined);
    assert.equal(checkTokenAnswer({ access_token: JWT, expires_in: '4824' }), undefined);
    assert.equal(checkTokenAnswer({ access_token: JWT, expires_in: 172_800 }), undefined);
  });

  const lifetimes: [string, unknown][] = [
    ['1e13 seconds (an Invalid Date once added to now)', 1e13],
    ['a day and a second more than two days', 172_801],
    ['zero', 0],
    ['negative', -5],
    ['NaN', Number.NaN],
    ['a word', 'soon'],
    ['a number with a fraction as text', '3599.5'],
    ['thirteen digits of text', '9999999999999'],
    ['missing', undefined],
    ['null', null],
    ['an object', { seconds: 3599 }],
  ];
  for (const [label, expiresIn] of lifetimes) {
    it(`refuses expires_in ${label} with a readable SignInError`, () => {
      const error = checkTokenAnswer({ access_token: JWT, expires_in: expiresIn });
      assert.ok(error instanceof SignInError);
      assert.match(
        error.userMessage,
        /^Microsoft Entra ID answered with an access token lifetime \(expires_in\) that is not usable: .{1,40}; a token lasts more than 0 and at most 172800 seconds\. Run again/,
      );
    });
  }

  const tokens: [string, unknown, RegExp][] = [
    ['missing', undefined, /without an access token/],
    ['empty', '', /without an access token/],
    ['a number', 12345, /without an access token/],
    ['an object', { value: JWT }, /without an access token/],
    ['with a line break and an agent command', `${JWT}\n##vso[task.setvariable variable=X]y`, /not one line of printable characters/],
    ['with a space', `${JWT} x`, /not one line of printable characters/],
    ['with a zero-width space', `${JWT}\u200b`, /not one line of printable characters/],
  ];
  for (const [label, token, message] of tokens) {
    it(`refuses an access token that is ${label}, without quoting it`, () => {
      const error = checkTokenAnswer({ access_token: token, expires_in: 3599 });
      assert.ok(error instanceof SignInError);
      assert.match(error.userMessage, message);
      assert.ok(!error.userMessage.includes(JWT));
    });
  }
});
