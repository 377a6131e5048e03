/**
 * The operations of the LCS Database Movement API that start work (export, refresh) and the status
 * request that follows them, as the real service answers them: everything is HTTP 200 with
 * `IsSuccess`, the status advances along a scripted sequence of states, an export that completes
 * adds its backup to the asset library (possibly some list requests later), and at most
 * `dailyLimit` operations start per environment per 24 hours.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Emulator } from './emulator';
import { lcsTimestamp, sasUrl, type RawBackup, SAMPLE_ORGANIZATION_ID, SAMPLE_PROJECT_ID } from './samples';
import { VERSION_EOL_NONE, type Step } from './steps';

export type OperationKind = 'export' | 'refresh';

/** One export or refresh the emulator has accepted. */
export interface Operation {
  /** The id the start answered with (`OperationActivityId`), to poll with. */
  activityId: string;
  kind: OperationKind;
  projectId: string;
  /** The environment the status is fetched with: the exported one, or the refresh TARGET. */
  environmentId: string;
  /** Refresh only: the environment whose database is copied. */
  sourceId?: string;
  /** Export only: the name the backup gets (percent-decoded). */
  backupName?: string;
  /** Date.now() when the start was accepted. */
  startedAt: number;
  /** The states the status requests walk through, one per request; the last one repeats. */
  script: string[];
  /** Status requests answered so far (scripted steps from `statusSteps` do not count). */
  polls: number;
  /** Date.now() when a status request first answered a terminal state. */
  completedAt?: number;
  /** Export only: the backup the export created, once completed. */
  backup?: RawBackup;
  /** List requests still to come before `backup` is listed; undefined once it is. */
  listingsUntilVisible?: number;
  /** Export only: the Id of the pending asset listed while the export runs (the completed backup keeps it). */
  pendingId?: string;
}

/**
 * What the asset library lists while an export runs (Microsoft's "Export a database": a pending
 * asset sits in the library until the export completes; whether the list API shows it, and with
 * what FileLocation, is not documented): 'empty' lists it with an empty FileLocation, 'missingBlob'
 * with a URL whose blob does not exist yet, 'none' not at all.
 */
export type PendingExportAsset = 'empty' | 'missingBlob' | 'none';

export type EnvironmentType = 'Sandbox' | 'Production' | 'DevTest';
export type EnvironmentState = 'Deployed' | 'Servicing' | 'Stopped' | 'Deploying' | 'Failed' | 'Deleting';

/** What LCS knows of an environment, as far as starting an operation on it is concerned. */
export interface EnvironmentSpec {
  /** Default 'Sandbox'. 'DevTest' is a tier-1 (cloud-hosted or developer) environment. */
  type?: EnvironmentType;
  /** Default 'Deployed'. */
  state?: EnvironmentState;
}

/** What an operation script holds unless a test says otherwise. */
export const DEFAULT_OPERATION_SCRIPT: readonly string[] = ['NotStarted', 'InProgress', 'InProgress', 'Completed'];
/** LCS allows this many export/refresh operations per environment per 24 hours. */
export const DEFAULT_DAILY_LIMIT = 3;
/** States after which the operation does not change any more. */
export const TERMINAL_STATES: readonly string[] = ['Completed', 'SignedOff', 'Failed', 'Aborted', 'RollbackFailed', 'RollbackCompleted'];
const SUCCESS_STATES: readonly string[] = ['Completed', 'SignedOff'];

const DAY_MS = 24 * 3_600_000;
/** LCS hands out SAS URLs that live about a day; the reference example shows ~20 hours. */
const SAS_LIFETIME_MS = 20 * 3_600_000;
/**
 * LCS shows environment ids with dashes and as 32 hex digits without them (its environment API
 * examples); whether these routes take both is not documented: the emulator takes both (inference).
 */
const LCS_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

export const EXPORT_PATH = /^\/databasemovement\/v1\/export\/project\/([^/]+)\/environment\/([^/]+)\/backupName\/([^/]+)$/;
export const REFRESH_PATH = /^\/databasemovement\/v1\/refresh\/project\/([^/]+)\/source\/([^/]+)\/target\/([^/]+)$/;
export const STATUS_PATH = /^\/databasemovement\/v1\/fetchstatus\/project\/([^/]+)\/environment\/([^/]+)\/operationactivity\/([^/]+)$/;

/** Ids compare without regard to case or dashes: both forms name one environment. */
export function sameGuid(a: string | undefined, b: string | undefined): boolean {
  const key = (id: string): string => id.replace(/-/g, '').toLowerCase();
  return a !== undefined && b !== undefined && key(a) === key(b);
}

/** The envelope fields every LCS answer carries. */
function envelope(isSuccess: boolean, errorMessage: string | null, activityId: string = randomUUID()): Record<string, unknown> {
  return { IsSuccess: isSuccess, OperationActivityId: activityId, ErrorMessage: errorMessage, VersionEOL: VERSION_EOL_NONE };
}

/** A start answer (export, refresh): `OperationActivityId` is the operation to poll. */
export function operationStartBody(activityId: string): Record<string, unknown> {
  return envelope(true, null, activityId);
}

/** A logical refusal of a start or status request: HTTP 200, `IsSuccess: false`. */
export function operationRefusal(message: string, activityId: string = randomUUID()): Step {
  return { status: 200, body: envelope(false, message, activityId) };
}

export interface StatusFields {
  projectId: string | number;
  environmentId: string;
  /** The operation asked about. */
  activityId: string;
  status: string;
  /** An LCS timestamp (no offset) or null while the operation runs. */
  completionDate?: string | null;
  /** The id of the status call itself; a new GUID by default. */
  operationActivityId?: string;
}

/**
 * A successful status answer. Its own `OperationActivityId` is the id of the status call, NOT the
 * operation: `ActivityId` is the operation asked about.
 */
export function operationStatusBody(fields: StatusFields): Record<string, unknown> {
  return {
    ...envelope(true, null, fields.operationActivityId ?? randomUUID()),
    ProjectId: Number(fields.projectId),
    EnvironmentId: fields.environmentId,
    ActivityId: fields.activityId,
    CompletionDate: fields.completionDate ?? null,
    OperationStatus: fields.status,
  };
}

/** ISO in UTC with seven fraction digits and no offset, as the daily-limit message writes its time. */
export function lcsMessageTime(epochMs: number): string {
  return lcsTimestamp(new Date(epochMs), true);
}

/**
 * LCS's answer to the operation after the daily limit, counted from the first of the window, in
 * the documented form: `Maximum allowed API operations are 3 from 2019-09-30T04:01:01.9999999`
 * ("Database movement API throttling"), nothing after it.
 */
export function dailyLimitMessage(limit: number, windowStart: number): string {
  return `Maximum allowed API operations are ${limit} from ${lcsMessageTime(windowStart)}`;
}

/** Messages LCS refuses a start with when the environment does not allow it. */
export const REFUSALS = {
  notSandbox: 'Target environment is not a sandbox environment. Database refresh is only supported for sandbox (tier 2 or higher) target environments.',
  tierOne:
    'Database refresh is not supported for this environment type. Cloud-hosted and tier 1 environments cannot be refreshed or exported with the Database Movement API.',
  exportProduction: 'Database export is not supported for production environments. Refresh a sandbox from production and export the sandbox.',
  notDeployed: (state: string): string =>
    `Environment is not in a state that allows this operation (current state: ${state}). Wait until the environment is deployed and no other servicing operation is running.`,
  sameEnvironment: 'Source and target environment cannot be the same.',
  invalidEnvironment: (id: string): string => `The environment id '${id}' is not valid.`,
  notFound: (activityId: string, environmentId: string): string => `Operation activity ${activityId} was not found for environment ${environmentId}.`,
} as const;

/** LCS's answer to a refresh it does not support for Tier-1 environments: 401, not `IsSuccess: false` (d365fo.tools #712). */
export const TIER_ONE_REFRESH: Step = { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };

function environmentOf(emu: Emulator, id: string): Required<EnvironmentSpec> {
  const key = Object.keys(emu.environments).find((k) => sameGuid(k, id));
  const spec = key ? emu.environments[key] : {};
  return { type: spec.type ?? 'Sandbox', state: spec.state ?? 'Deployed' };
}

/** Why LCS would refuse to start `kind` on `environmentId` (the exported one / the refresh target), if it would. */
function environmentRefusal(emu: Emulator, kind: OperationKind, environmentId: string): string | undefined {
  const env = environmentOf(emu, environmentId);
  if (env.type === 'DevTest') return REFUSALS.tierOne;
  if (env.type === 'Production') return kind === 'refresh' ? REFUSALS.notSandbox : REFUSALS.exportProduction;
  if (env.state !== 'Deployed') return REFUSALS.notDeployed(env.state);
  return undefined;
}

/** The daily-limit refusal if `environmentId` already had `dailyLimit` operations in the last 24 hours. */
function dailyLimitRefusal(emu: Emulator, environmentId: string, now: number): string | undefined {
  const recent = emu.operations.filter((op) => sameGuid(op.environmentId, environmentId) && now - op.startedAt < DAY_MS).map((op) => op.startedAt);
  if (recent.length < emu.dailyLimit) return undefined;
  return dailyLimitMessage(emu.dailyLimit, Math.min(...recent));
}

/** Records an operation as the emulator would on an accepted start; also for operations "started elsewhere". */
export function addOperation(emu: Emulator, init: Pick<Operation, 'kind' | 'environmentId'> & Partial<Operation>): Operation {
  const operation: Operation = {
    activityId: randomUUID(),
    projectId: String(SAMPLE_PROJECT_ID),
    startedAt: Date.now(),
    script: [...emu.operationScript],
    polls: 0,
    ...init,
  };
  emu.operations.push(operation);
  return operation;
}

interface StartRequest {
  kind: OperationKind;
  projectId: string;
  environmentId: string;
  sourceId?: string;
  backupName?: string;
}

/** The default answer to an export or refresh start that passed the authentication checks. */
function startDefault(emu: Emulator, request: StartRequest): Step {
  const ids = request.sourceId === undefined ? [request.environmentId] : [request.sourceId, request.environmentId];
  const invalid = ids.find((id) => !LCS_ID.test(id));
  if (invalid !== undefined) return operationRefusal(REFUSALS.invalidEnvironment(invalid));
  if (request.sourceId !== undefined && sameGuid(request.sourceId, request.environmentId)) return operationRefusal(REFUSALS.sameEnvironment);
  if (request.sourceId !== undefined && [request.sourceId, request.environmentId].some((id) => environmentOf(emu, id).type === 'DevTest')) {
    // d365fo.tools #712: a refresh between Tier-1 environments answers 401 whatever the token.
    return TIER_ONE_REFRESH;
  }
  const refusal = environmentRefusal(emu, request.kind, request.environmentId) ?? dailyLimitRefusal(emu, request.environmentId, Date.now());
  if (refusal) return operationRefusal(refusal);
  const operation = addOperation(emu, { ...request });
  if (request.kind === 'export') addPendingAsset(emu, operation);
  return { status: 200, body: operationStartBody(operation.activityId) };
}

/** The pending asset of a running export, listed under the export's name (see PendingExportAsset). */
function addPendingAsset(emu: Emulator, operation: Operation): void {
  if (emu.pendingExportAsset === 'none') return;
  const name = operation.backupName ?? 'export';
  const created = lcsTimestamp(new Date(operation.startedAt));
  operation.pendingId = randomUUID();
  emu.backups.push({
    Id: operation.pendingId,
    ProjectId: Number(operation.projectId),
    OrganizationId: SAMPLE_ORGANIZATION_ID,
    Name: name,
    FileName: `${name}.bacpac`,
    FileDescription: null,
    // A blob name the store does not hold: a HEAD or GET on it answers 404 BlobNotFound.
    FileLocation: emu.pendingExportAsset === 'empty' ? '' : emu.blobUrl(`pending-${operation.activityId}`),
    CreatedDateTime: created,
    ModifiedDateTime: created,
    CreatedByName: 'LCS pipeline',
    ModifiedByName: 'LCS pipeline',
  });
}

/** The backup an export leaves in the asset library, named after the export's backupName (the pending asset's Id). */
function exportedBackup(operation: Operation, now: number): RawBackup {
  const name = operation.backupName ?? 'export';
  const created = lcsTimestamp(new Date(now));
  return {
    Id: operation.pendingId ?? randomUUID(),
    ProjectId: Number(operation.projectId),
    OrganizationId: SAMPLE_ORGANIZATION_ID,
    Name: name,
    FileName: `${name}.bacpac`,
    FileDescription: null,
    FileLocation: sasUrl(`export:${operation.activityId}`, new Date(now + SAS_LIFETIME_MS)),
    CreatedDateTime: created,
    ModifiedDateTime: created,
    CreatedByName: 'LCS pipeline',
    ModifiedByName: 'LCS pipeline',
  };
}

/** Advance the operation by one status request and answer with the state it is in now. */
function statusOf(emu: Emulator, operation: Operation): Step {
  const index = Math.min(operation.polls, operation.script.length - 1);
  const state = operation.script[index] ?? 'InProgress';
  operation.polls++;
  const now = Date.now();
  const terminal = TERMINAL_STATES.includes(state);
  if (terminal) operation.completedAt ??= now;
  if (operation.kind === 'export' && SUCCESS_STATES.includes(state) && !operation.backup) {
    operation.backup = exportedBackup(operation, now);
    operation.listingsUntilVisible = emu.exportListingDelay;
    if (emu.exportListingDelay <= 0) publishBackup(emu, operation);
  }
  return {
    status: 200,
    body: operationStatusBody({
      projectId: operation.projectId,
      environmentId: operation.environmentId,
      activityId: operation.activityId,
      status: state,
      completionDate: terminal && operation.completedAt !== undefined ? lcsTimestamp(new Date(operation.completedAt)) : null,
    }),
  };
}

function publishBackup(emu: Emulator, operation: Operation): void {
  const pending = emu.backups.findIndex((b) => operation.pendingId !== undefined && b.Id === operation.pendingId);
  if (operation.backup && pending >= 0) emu.backups[pending] = operation.backup;
  else if (operation.backup) emu.backups.push(operation.backup);
  operation.listingsUntilVisible = undefined;
}

/**
 * Called before the list endpoint answers: exported backups whose listing delay has run out
 * appear in the asset library; the others wait one list request less.
 */
export function publishExportedBackups(emu: Emulator): void {
  for (const operation of emu.operations) {
    if (operation.listingsUntilVisible === undefined) continue;
    if (operation.listingsUntilVisible <= 0) publishBackup(emu, operation);
    else operation.listingsUntilVisible--;
  }
}

/** The default answer to a status request that passed the authentication checks. */
function statusDefault(emu: Emulator, projectId: string, environmentId: string, activityId: string): Step {
  const operation = emu.operations.find((op) => sameGuid(op.activityId, activityId));
  if (!operation || !sameGuid(operation.environmentId, environmentId) || operation.projectId !== projectId) {
    return operationRefusal(REFUSALS.notFound(activityId, environmentId));
  }
  // An operation LCS has just accepted may not be known to the status call yet (inference).
  if (Date.now() - operation.startedAt < emu.statusVisibleAfterMs) return operationRefusal(REFUSALS.notFound(activityId, environmentId));
  return statusOf(emu, operation);
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** LCS's checks before any operation: authentication (401, empty body), the API version, the project id. */
export type LcsCheck = (emu: Emulator, req: IncomingMessage, projectId: string) => Step | undefined;

/**
 * The answer to an export, refresh or status request, or undefined when `pathname` is none of
 * them. Scripted steps (`startSteps`, `statusSteps`) come first, then LCS's checks, then the
 * default behaviour.
 */
export function operationStep(emu: Emulator, req: IncomingMessage, pathname: string, check: LcsCheck): Step | undefined {
  const exportMatch = EXPORT_PATH.exec(pathname);
  const refreshMatch = REFRESH_PATH.exec(pathname);
  const statusMatch = STATUS_PATH.exec(pathname);
  const wanted = statusMatch ? 'GET' : 'POST';
  if (!exportMatch && !refreshMatch && !statusMatch) return undefined;
  if (req.method !== wanted) {
    return { status: 405, headers: { Allow: wanted }, body: { Message: `The requested resource does not support http method '${req.method}'.` } };
  }
  const scripted = statusMatch ? emu.statusSteps.shift() : emu.startSteps.shift();
  if (scripted) return scripted;
  const [, projectId] = (exportMatch ?? refreshMatch ?? statusMatch) as RegExpExecArray;
  const refused = check(emu, req, projectId);
  if (refused) return refused;
  if (statusMatch) return statusDefault(emu, projectId, statusMatch[2], statusMatch[3]);
  if (refreshMatch) return startDefault(emu, { kind: 'refresh', projectId, sourceId: refreshMatch[2], environmentId: refreshMatch[3] });
  const backupName = decodeSegment((exportMatch as RegExpExecArray)[3]);
  if (backupName === undefined)
    return { status: 400, body: { Message: 'The request is invalid.', MessageDetail: 'The backup name is not a valid path segment.' } };
  return startDefault(emu, { kind: 'export', projectId, environmentId: (exportMatch as RegExpExecArray)[2], backupName });
}
