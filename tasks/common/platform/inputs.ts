/**
 * Task inputs as the agent hands them over, and the parsers every task uses to validate them
 * before it makes a single request. Pure apart from the InputSource it is given.
 */
import { InputError } from './errors';
import { neutralize } from '../text/sanitize';
import { withoutUserinfo } from './urlCredentials';

/** What the agent hands over for one service connection. */
export interface RawEndpoint {
  url?: string;
  apiUrl?: string;
  scheme?: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** Every authorization parameter, keys in lower case (an Azure Resource Manager connection's tenantid, serviceprincipalid, ...). */
  parameters?: Record<string, string>;
  /** Every data parameter, keys in lower case (environment, environmentauthorityurl, ...). */
  data?: Record<string, string>;
}

/** The task's view of its inputs; the real one wraps azure-pipelines-task-lib. */
export interface InputSource {
  getInput(name: string): string | undefined;
  getEndpoint(id: string): RawEndpoint;
  /** A pipeline variable such as System.OidcRequestUri (tasks that need none may ignore it). */
  getVariable?(name: string): string | undefined;
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A `$(name)` macro the agent left as text: the variable is not defined in this job. */
const UNEXPANDED = /\$\([A-Za-z0-9_.\- ]+\)/;

/** What to do about an unexpanded variable, beyond mapping another job's output, for inputs a user copies from LCS or may leave empty. */
const UNEXPANDED_ADVICE: Record<string, string> = {
  projectId:
    "Define the variable in this pipeline (or a variable group it links), or copy the project id from LCS: the number after /V2/ProjectOverview/ in the project's address.",
  operationActivityId:
    "Map the other job's OperationActivityId output into a variable of this job (variables: with $[ dependencies.<job>.outputs['<step>.OperationActivityId'] ]), or copy the operation id from LCS (the environment's History).",
  backupId:
    "Map the other job's output into a variable of this job (variables: with $[ dependencies.<job>.outputs['<step>.BackupId'] ]), or leave backupId empty to choose the newest matching backup.",
};

/**
 * An input's value without blanks around it. A `$(variable)` left in it is refused here, for
 * every input: the agent leaves a macro as text when the variable is not defined in the job
 * (the usual mistake when passing an output between jobs).
 */
export function trimmed(source: InputSource, name: string): string {
  const value = (source.getInput(name) ?? '').trim();
  const macro = UNEXPANDED.exec(value)?.[0];
  if (macro) {
    throw new InputError(
      `Input '${name}' is '${neutralize(value, 80)}': the variable ${neutralize(macro, 60)} was not expanded, so it is not defined in this job.`,
      UNEXPANDED_ADVICE[name] ??
        "Map the other job's output into a variable of this job (variables: with $[ dependencies.<job>.outputs['<step>.<output>'] ]), or define the variable in this pipeline (or a variable group it links).",
    );
  }
  return value;
}

/** A positive whole number written in plain digits: rejects `abc`, `-5`, `12.5`, `0`, `1e3`. */
export function parseProjectId(raw: string): number {
  const value = raw.trim();
  if (!/^[0-9]+$/.test(value) || /^0+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InputError(
      `Input 'projectId' must be the LCS project's id, a positive whole number such as 1234567; got '${value.slice(0, 40)}'.`,
      "Copy the number after /V2/ProjectOverview/ in the project's address in LCS (on your geography's portal, e.g. https://eu.lcs.dynamics.com/V2/ProjectOverview/1234567).",
    );
  }
  return Number(value);
}

/**
 * An absolute https:// URL without credentials, query or fragment, returned without its
 * trailing slash. A token must never travel over plain HTTP.
 */
export function parseHttpsUrl(raw: string | undefined, field: string, example: string, owner = 'service connection'): string {
  const value = (raw ?? '').trim();
  const fix = `Set the service connection's ${field} to an https:// URL such as ${example}.`;
  if (!value) {
    throw new InputError(`The ${owner} has no ${field}.`, fix);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`The ${field} of the ${owner}, '${withoutUserinfo(value).slice(0, 100)}', is not an absolute URL.`, fix);
  }
  if (url.protocol !== 'https:') {
    throw new InputError(
      `The ${field} of the ${owner} must use https:// (got ${url.protocol}//${url.host}); credentials and tokens are never sent over plain HTTP.`,
      fix,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError(`The ${field} of the ${owner} must not contain a user name, password, query or fragment.`, fix);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** A number of seconds > 0 (or >= 0 when zero is allowed), decimals allowed. */
export function parseSeconds(raw: string, input: string, defaultValue: number, allowZero: boolean): number {
  const value = raw.trim();
  if (!value) {
    return defaultValue;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || (!allowZero && n === 0) || n > 86_400) {
    throw new InputError(
      `Input '${input}' must be a number of seconds ${allowZero ? '(0 or more)' : 'greater than 0'} and at most 86400; got '${value.slice(0, 40)}'.`,
      `Use a plain number such as ${defaultValue}, or leave it empty for the default (${defaultValue}).`,
    );
  }
  return n;
}

export function parseBoolean(raw: string, input: string, defaultValue: boolean): boolean {
  const value = raw.trim().toLowerCase();
  if (!value) {
    return defaultValue;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new InputError(`Input '${input}' must be true or false; got '${raw.trim().slice(0, 40)}'.`);
}

export function parseChoice<T extends string>(raw: string, input: string, allowed: readonly T[], defaultValue: T): T {
  const value = raw.trim();
  if (!value) {
    return defaultValue;
  }
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match) {
    throw new InputError(`Input '${input}' must be one of ${allowed.join(', ')}; got '${value.slice(0, 40)}'.`);
  }
  return match;
}

/**
 * An LCS id (environment, operation): a GUID with dashes, or the same 32 hex digits without
 * them, as LCS shows some environment ids (its environment API examples).
 */
export const LCS_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/** The id's 32 hex digits in lower case: two forms of one id have the same key. */
export function idKey(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

/** Whether two LCS ids name the same thing, whatever their dashes or case. */
export function sameId(a: string, b: string): boolean {
  return idKey(a) === idKey(b);
}

/**
 * An environment or operation id in either form LCS shows; returned as the user gave it (trimmed),
 * since that is the form their LCS shows and the requests carry. Compare with sameId.
 */
export function parseLcsId(raw: string, input: string, what: string): string {
  const value = raw.trim();
  if (!LCS_ID.test(value)) {
    throw new InputError(
      value
        ? `Input '${input}' must be ${what}, a GUID such as 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d or the same 32 hex digits without dashes; got '${value.slice(0, 60)}'.`
        : `Input '${input}' is empty: it must be ${what} (a GUID, with or without dashes).`,
      'Copy it from LCS.',
    );
  }
  return value;
}
