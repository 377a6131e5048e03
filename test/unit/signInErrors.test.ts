import { strict as assert } from 'node:assert';
import { SignInError } from '../../tasks/common/platform/errors';
import { EntraErrorBody, describeSignInFailure, entraCodeOf, parseEntraErrorBody } from '../../tasks/common/lcs/signInErrors';

const TRACE = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const CORRELATION = 'f0e9d8c7-b6a5-9483-7261-504f3e2d1c0b';

function entraBody(code: number, description = `AADSTS${code}: Something went wrong.`): EntraErrorBody {
  return {
    error: 'invalid_grant',
    errorCodes: [code],
    description: `${description}\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: 2026-01-01 00:00:00Z`,
    traceId: TRACE,
    correlationId: CORRELATION,
    status: 400,
  };
}

const KNOWN: [number, RegExp[]][] = [
  [50076, [/multi-factor authentication \(MFA\)/, /service account/]],
  [50079, [/register for multi-factor/, /MFA/]],
  [50126, [/username or password is wrong/, /Federated/, /cloud-only/]],
  [7000218, [/not a public client/, /Allow public client flows/]],
  [65001, [/consent/, /Dynamics Lifecycle services/, /Grant admin consent/]],
  [500011, [/geography/, /API endpoint/, /lcsapi\.eu\.lcs\.dynamics\.com/]],
  [700016, [/application \(client\) id/, /not registered in this tenant/]],
  [50034, [/user account does not exist/, /username/]],
  [53003, [/Conditional Access/, /sign-in logs/]],
];

describe('signInErrors', () => {
  describe('describeSignInFailure: known codes', () => {
    for (const [code, patterns] of KNOWN) {
      it(`AADSTS${code} names the cause and the fix, with code, trace and correlation id`, () => {
        const error = describeSignInFailure(entraBody(code));
        assert.ok(error instanceof SignInError);
        assert.equal(error.entraCode, code);
        const text = error.userMessage;
        assert.match(text, new RegExp(`AADSTS${code}\\b`));
        assert.match(text, new RegExp(`trace id ${TRACE}`));
        assert.match(text, new RegExp(`correlation id ${CORRELATION}`));
        assert.match(text, /Microsoft Entra ID/);
        for (const pattern of patterns) {
          assert.match(text, pattern);
        }
        assert.ok(error.advice, 'a known code carries a fix');
        assert.doesNotMatch(text, /[\r\n]/);
      });
    }

    it('gives each known code a distinct message', () => {
      const messages = KNOWN.map(([code]) => describeSignInFailure(entraBody(code)).userMessage.replace(/AADSTS\d+/, ''));
      assert.equal(new Set(messages).size, messages.length);
    });

    it('does not quote the generic Entra description for a known code', () => {
      const text = describeSignInFailure(entraBody(50126, 'AADSTS50126: Error validating credentials due to invalid username or password.')).userMessage;
      assert.doesNotMatch(text, /Error validating credentials/);
    });

    it('reads trace and correlation ids from the description when the fields are missing', () => {
      const body = entraBody(7000218);
      delete body.traceId;
      delete body.correlationId;
      const text = describeSignInFailure(body).userMessage;
      assert.match(text, new RegExp(`trace id ${TRACE}`));
      assert.match(text, new RegExp(`correlation id ${CORRELATION}`));
    });

    it('neutralizes a trace id that carries an agent command', () => {
      const text = describeSignInFailure({ ...entraBody(50126), traceId: '##vso[task.setvariable variable=X]y' }).userMessage;
      assert.doesNotMatch(text, /##vso\[/i);
    });
  });

  describe('describeSignInFailure: unknown codes', () => {
    it("shows Entra's first description line, the code and the trace id", () => {
      const error = describeSignInFailure(entraBody(90099, 'AADSTS90099: The application has not been authorized in the tenant.'));
      assert.equal(error.entraCode, 90099);
      const text = error.userMessage;
      assert.match(text, /AADSTS90099: The application has not been authorized in the tenant\./);
      assert.match(text, new RegExp(TRACE));
      assert.match(text, new RegExp(CORRELATION));
      assert.doesNotMatch(text, /Timestamp:/);
      assert.match(text, /login\.microsoftonline\.com\/error/);
      assert.doesNotMatch(text, /[\r\n]/);
    });

    it('neutralizes an agent command in the description', () => {
      const text = describeSignInFailure(entraBody(90099, 'AADSTS90099: ##vso[task.setvariable variable=X]y and ##[error]boom')).userMessage;
      assert.doesNotMatch(text, /##vso\[/i);
      assert.doesNotMatch(text, /##\[/);
      assert.match(text, /task\.setvariable/);
    });

    it('neutralizes a lower- or mixed-case command', () => {
      const text = describeSignInFailure(entraBody(90099, 'x ##VsO[task.setvariable variable=X]y')).userMessage;
      assert.doesNotMatch(text, /##vso\[/i);
    });

    it('falls back to the error name, then the HTTP status', () => {
      const named = describeSignInFailure({ error: 'temporarily_unavailable', errorCodes: [], status: 503 });
      assert.equal(named.entraCode, undefined);
      assert.match(named.userMessage, /temporarily_unavailable/);
      const bare = describeSignInFailure({ errorCodes: [], status: 502 });
      assert.match(bare.userMessage, /HTTP 502/);
    });

    it('neutralizes the error name', () => {
      const text = describeSignInFailure({ error: '##vso[task.complete result=Succeeded]', errorCodes: [] }).userMessage;
      assert.doesNotMatch(text, /##vso\[/i);
    });
  });

  describe('entraCodeOf', () => {
    it('prefers error_codes', () => {
      assert.equal(entraCodeOf({ errorCodes: [50126, 50076], description: 'AADSTS7000218: x' }), 50126);
    });

    it('reads the code from the description when error_codes is empty', () => {
      assert.equal(entraCodeOf({ errorCodes: [], description: 'AADSTS65001: The user or administrator has not consented.' }), 65001);
    });

    it('returns undefined without a code', () => {
      assert.equal(entraCodeOf({ errorCodes: [] }), undefined);
      assert.equal(entraCodeOf({ errorCodes: [], description: 'something failed' }), undefined);
    });

    it('maps a code found only in the description to its advice', () => {
      const error = describeSignInFailure({
        error: 'invalid_client',
        errorCodes: [],
        description: `AADSTS7000218: The request body must contain client_assertion.\r\nTrace ID: ${TRACE}`,
      });
      assert.equal(error.entraCode, 7000218);
      assert.match(error.userMessage, /Allow public client flows/);
      assert.match(error.userMessage, new RegExp(TRACE));
    });
  });

  describe('parseEntraErrorBody', () => {
    it('reads the fields of an Entra error body', () => {
      const body = parseEntraErrorBody(
        {
          error: 'invalid_grant',
          error_description: 'AADSTS50126: Error validating credentials.',
          error_codes: [50126, 'x', 1.5],
          trace_id: TRACE,
          correlation_id: CORRELATION,
          timestamp: '2026-01-01 00:00:00Z',
        },
        400,
      );
      assert.deepEqual(body, {
        error: 'invalid_grant',
        errorCodes: [50126],
        description: 'AADSTS50126: Error validating credentials.',
        traceId: TRACE,
        correlationId: CORRELATION,
        status: 400,
      });
    });

    it('accepts a body with only a description', () => {
      const body = parseEntraErrorBody({ error_description: 'AADSTS50034: no such user' });
      assert.ok(body);
      assert.deepEqual(body.errorCodes, []);
      assert.equal(body.error, undefined);
      assert.equal(entraCodeOf(body), 50034);
    });

    it('ignores non-array error_codes and non-string ids', () => {
      const body = parseEntraErrorBody({ error: 'x', error_codes: 50126, trace_id: 5, correlation_id: {} });
      assert.ok(body);
      assert.deepEqual(body.errorCodes, []);
      assert.equal(body.traceId, undefined);
      assert.equal(body.correlationId, undefined);
    });

    for (const value of [null, undefined, 'invalid_grant', 42, true]) {
      it(`rejects ${JSON.stringify(value) ?? 'undefined'}`, () => {
        assert.equal(parseEntraErrorBody(value), undefined);
      });
    }

    it('rejects objects that are not Entra errors', () => {
      assert.equal(parseEntraErrorBody({}), undefined);
      assert.equal(parseEntraErrorBody([]), undefined);
      assert.equal(parseEntraErrorBody({ error: 5, error_description: null }), undefined);
      assert.equal(parseEntraErrorBody({ message: 'oops' }), undefined);
    });
  });
});
