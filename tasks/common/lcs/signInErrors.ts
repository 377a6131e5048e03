/**
 * Turns Microsoft Entra ID's token errors into one message that names the cause and the fix.
 * Pure: the input is the error body Entra returned (or what MSAL kept of it).
 */
import { SignInError } from '../platform/errors';
import { neutralize } from '../text/sanitize';

export interface EntraErrorBody {
  error?: string;
  errorCodes: number[];
  description?: string;
  traceId?: string;
  correlationId?: string;
  status?: number;
}

interface Advice {
  cause: string;
  fix: string;
}

const ADVICE: Record<number, Advice> = {
  50076: {
    cause: 'the account must use multi-factor authentication (MFA)',
    fix: 'The password sign-in LCS needs cannot do MFA: use a service account without MFA, excluded from the Conditional Access policy that requires it.',
  },
  50079: {
    cause: 'the account must register for multi-factor authentication (MFA)',
    fix: 'Use a service account that is excluded from MFA registration and from MFA Conditional Access policies.',
  },
  50126: {
    cause: 'the username or password is wrong',
    fix: 'Check the username and password in the service connection. Federated (ADFS or on-premises synced) accounts cannot use password sign-in; use a cloud-only account.',
  },
  7000218: {
    cause: 'the app registration is not a public client',
    fix: 'In Entra ID > App registrations > your app > Authentication, set "Allow public client flows" to Yes.',
  },
  65001: {
    cause: 'nobody has consented to the app calling Dynamics Lifecycle Services',
    fix: 'In the app registration > API permissions, add "Dynamics Lifecycle services" > user_impersonation (delegated) and click "Grant admin consent".',
  },
  500011: {
    cause: 'the LCS API (resource) in the token request is not known in this tenant',
    fix: "Check the service connection's Lifecycle Services API endpoint: it must be your LCS project's geography (e.g. https://lcsapi.eu.lcs.dynamics.com for Europe), and the tenant must have the Dynamics Lifecycle services app.",
  },
  700016: {
    cause: 'the application (client) id is not registered in this tenant',
    fix: "Check the service connection's application (client) id and the tenant in its authentication endpoint.",
  },
  50034: {
    cause: 'the user account does not exist in this tenant',
    fix: 'Check the username in the service connection and the tenant in its authentication endpoint.',
  },
  53003: {
    cause: 'a Conditional Access policy blocked the sign-in',
    fix: "Ask your Entra ID administrator to exclude the service account (or the build agents' network) from the policy; the sign-in logs show which policy applied.",
  },
  50053: {
    cause: 'the account is locked after too many failed sign-ins',
    fix: 'Wait for the lockout to end or ask an administrator to unlock it, then check the password in the service connection.',
  },
  50055: {
    cause: "the account's password has expired",
    fix: 'Change the password and update the service connection.',
  },
  9001023: {
    cause: 'the password sign-in is refused on the /common and /consumers endpoints',
    fix: "Set the service connection's authentication endpoint to https://login.microsoftonline.com/organizations, or to your tenant (id or domain).",
  },
  50194: {
    cause: 'the app registration is single-tenant, and a multi-tenant endpoint (/organizations or /common) was used',
    fix: 'Set the service connection\'s authentication endpoint to your tenant: https://login.microsoftonline.com/<tenant id or domain> (the app registration\'s "Directory (tenant) ID").',
  },
  90002: {
    cause: 'the tenant in the authentication endpoint was not found',
    fix: "Check the tenant id or domain in the service connection's authentication endpoint, and that it is the cloud of your tenant (national clouds have their own sign-in host).",
  },
  50158: {
    cause: 'an external security challenge (a third-party MFA or Conditional Access control) was not satisfied',
    fix: 'The password sign-in LCS needs cannot answer such a challenge: exclude the service account from the policy that requires it.',
  },
  50074: {
    cause: 'strong authentication (MFA) is required and was not passed',
    fix: 'The password sign-in LCS needs cannot do MFA: use a service account without MFA, excluded from the Conditional Access policy that requires it.',
  },
  50057: {
    cause: 'the account is disabled',
    fix: 'Enable the account or use another one in the service connection.',
  },
};

/** The 'AADSTSnnnnn' code, from error_codes or from the description. */
export function entraCodeOf(body: EntraErrorBody): number | undefined {
  if (body.errorCodes.length > 0) {
    return body.errorCodes[0];
  }
  const m = /AADSTS(\d+)/.exec(body.description ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The first line of Entra's description, without the trace/correlation lines it appends. */
function firstLine(description: string | undefined): string {
  return (description ?? '').split(/\r?\n/, 1).join('').trim();
}

function traceOf(body: EntraErrorBody): string {
  const description = body.description ?? '';
  const trace = body.traceId ?? /Trace ID:\s*([0-9a-f-]{36})/i.exec(description)?.[1];
  const correlation = body.correlationId ?? /Correlation ID:\s*([0-9a-f-]{36})/i.exec(description)?.[1];
  const parts = [trace && `trace id ${neutralize(trace, 60)}`, correlation && `correlation id ${neutralize(correlation, 60)}`];
  return parts.filter(Boolean).join(', ');
}

/** `AADSTS50126; trace id …, correlation id …`: what Microsoft support asks for. */
function quotedIds(body: EntraErrorBody, code: number | undefined): string {
  return [code !== undefined ? `AADSTS${code}` : neutralize(body.error, 60), traceOf(body)].filter(Boolean).join('; ');
}

/** Entra's own words on an error: the first line of its description, then its code and trace ids. Neutralized. */
export function entraWords(body: EntraErrorBody): string {
  const said = neutralize(firstLine(body.description) || body.error || `HTTP ${body.status ?? '?'}`, 300);
  return `${said} (${quotedIds(body, entraCodeOf(body))})`;
}

/** One SignInError for an Entra error answer. */
export function describeSignInFailure(body: EntraErrorBody): SignInError {
  const code = entraCodeOf(body);
  const advice = code !== undefined ? ADVICE[code] : undefined;
  if (advice) {
    return new SignInError(`Sign-in to Microsoft Entra ID failed: ${advice.cause} (${quotedIds(body, code)}).`, advice.fix, code);
  }
  return new SignInError(
    `Sign-in to Microsoft Entra ID failed: ${entraWords(body)}.`,
    "Look the code up at https://login.microsoftonline.com/error and check the service connection's account, application (client) id and authentication endpoint.",
    code,
  );
}

/** Reads Entra's JSON error body; undefined when the body is not one. */
export function parseEntraErrorBody(body: unknown, status?: number): EntraErrorBody | undefined {
  if (body === null || typeof body !== 'object') {
    return undefined;
  }
  const b = body as Record<string, unknown>;
  if (typeof b.error !== 'string' && typeof b.error_description !== 'string') {
    return undefined;
  }
  const codes = Array.isArray(b.error_codes) ? b.error_codes.filter((c): c is number => Number.isInteger(c)) : [];
  return {
    error: typeof b.error === 'string' ? b.error : undefined,
    errorCodes: codes,
    description: typeof b.error_description === 'string' ? b.error_description : undefined,
    traceId: typeof b.trace_id === 'string' ? b.trace_id : undefined,
    correlationId: typeof b.correlation_id === 'string' ? b.correlation_id : undefined,
    status,
  };
}
