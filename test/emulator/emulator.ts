/**
 * One HTTPS server on 127.0.0.1 that plays both Microsoft Entra ID (token endpoint) and the LCS
 * Database Movement API (list backups; export, refresh and their status in operations.ts), so the
 * real, bundled tasks can be run end to end offline.
 *
 * Default behaviour follows the real services; tests script deviations by queuing `Step`s.
 */
import { COPY_PATH, handleCopyStore, newCopyStore, type CopyStore } from './blobCopy';
import { OIDC_PATH, clientCredentialsStep, newAzureRm, oidcStep, type AzureRmEmulation } from './azureRm';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '../support/repo';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, decideTokenRequest, openIdConfiguration } from './entra';
import {
  DEFAULT_DAILY_LIMIT,
  DEFAULT_OPERATION_SCRIPT,
  operationStep,
  publishExportedBackups,
  type EnvironmentSpec,
  type Operation,
  type PendingExportAsset,
} from './operations';
import { sampleBackups, type RawBackup } from './samples';
import { clearStepTimers, writeStep, VERSION_EOL_NONE, type Step, type StepContext } from './steps';
import { BLOB_PATH, addBlob, blobSasUrl, handleBlob, newBlobStore, type BlobSpec, type BlobStore, type EmulatedBlob } from './blobs';

export {
  EMULATOR_USERNAME,
  EMULATOR_PASSWORD,
  EMULATOR_CLIENT_ID,
  EMULATOR_TENANT_ID,
  EMULATOR_USER_OBJECT_ID,
  LCS_RESOURCE_APP_ID,
  entraError,
  type EntraErrorContext,
} from './entra';
export { sampleBackups, generateBackups, SAMPLE_PROJECT_ID, type RawBackup } from './samples';
export { lcsFailure, htmlPage, gzipBomb, LIST_ANSWER_HEAD, LIST_ANSWER_TAIL, VERSION_EOL_NONE, type Step } from './steps';
export {
  addOperation,
  dailyLimitMessage,
  lcsMessageTime,
  operationRefusal,
  operationStartBody,
  operationStatusBody,
  REFUSALS,
  TERMINAL_STATES,
  DEFAULT_OPERATION_SCRIPT,
  DEFAULT_DAILY_LIMIT,
  type Operation,
  type OperationKind,
  type PendingExportAsset,
  type EnvironmentSpec,
  type StatusFields,
} from './operations';
export { DEFAULT_TOKEN_LIFETIME_SECONDS } from './entra';
export * from './azureRm';
export { destinationSasUrl, DEST_SAS_SIG, type CopyFaults, type CopyStore } from './blobCopy';
export { blobBytes, blobMd5, type BlobFaults, type BlobSpec, type EmulatedBlob } from './blobs';

/** The test-only CA and server certificate, committed in test/emulator/certs (see its README). */
export const certsDir = path.join(findRepoRoot(__dirname), 'test', 'emulator', 'certs');
/** Give this to child processes as NODE_EXTRA_CA_CERTS, and to `https.request` as `ca`. */
export const caFile = path.join(certsDir, 'ca.pem');

/** The `x-ms-version` the v1 Database Movement API requires. */
export const LCS_API_VERSION = '2017-09-15';

export interface RecordedRequest {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  host: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Date.now() when the request was fully read. */
  at: number;
}

export interface Emulator {
  /** https://127.0.0.1:PORT */
  url: string;
  /** `${url}/organizations`: what a connection's "authentication endpoint" holds. */
  authority: string;
  /** The LCS API base URL (same server). */
  apiUrl: string;
  caFile: string;
  /** Every request to either endpoint, in arrival order. */
  requests: RecordedRequest[];
  /** What the list endpoint serves by default. Replace or mutate freely. */
  backups: RawBackup[];
  /** Consumed first-in first-out, one per token request, before the default behaviour. */
  tokenSteps: Step[];
  /** Consumed first-in first-out, one per list request, before the default behaviour. */
  lcsSteps: Step[];
  /** Consumed first-in first-out, one per export or refresh start, before the default behaviour. */
  startSteps: Step[];
  /** Consumed first-in first-out, one per status request, before the default behaviour (and without advancing any operation). */
  statusSteps: Step[];
  /** Exports and refreshes accepted (or added with addOperation), in start order. */
  operations: Operation[];
  /** The states a new operation's status requests walk through (copied at its start); the last repeats. */
  operationScript: string[];
  /** Default list answers after an export completes before its backup is listed (0: at once; scripted lcsSteps do not count). */
  exportListingDelay: number;
  /** What the asset library lists while an export runs; 'empty' by default (see PendingExportAsset). */
  pendingExportAsset: PendingExportAsset;
  /** Consumed one per list request once an export has completed, after `lcsSteps` (an outage after the export, say). */
  listStepsAfterExport: Step[];
  /** For this long after a start, status requests for the operation answer "not found" (IsSuccess: false); 0 by default. */
  statusVisibleAfterMs: number;
  /** Operations that may start per environment (export: the environment, refresh: the target) per 24 hours. */
  dailyLimit: number;
  /** What LCS knows about environments, by id (case-insensitive); unknown ids are deployed sandboxes. */
  environments: Record<string, EnvironmentSpec>;
  /** `expires_in` of the tokens handed out from now on; the LCS endpoints refuse a token after its lifetime (401). */
  tokenLifetimeSeconds: number;
  /** The app registration is single-tenant: the token endpoint refuses /organizations and /common (AADSTS50194). */
  singleTenantApp: boolean;
  /** Access tokens handed out; the LCS endpoints accept exactly these (until they expire). */
  issuedTokens: string[];
  /** When each issued access token expires (Date.now() scale). */
  tokenExpiry: Map<string, number>;
  /** Refresh tokens handed out (never accepted anywhere; here so tests can grep logs for them). */
  issuedRefreshTokens: string[];
  /** Clears requests, every queue, operations and issued tokens, restores every setting's default and the starting backups, drops hanging connections. */
  /** Blob storage: backups' FileLocations can point here (see addBlob, blobUrl). */
  blobStore: BlobStore;
  /** The Azure Resource Manager side (OIDC endpoint, client credentials); see azureRm.ts. */
  azureRm: AzureRmEmulation;
  /** The team's storage account for copies (`/copystore/<container>/<blob>`); see blobCopy.ts. */
  copyStore: CopyStore;
  /** Adds a blob with generated content; `blobUrl` makes SAS URLs for it. */
  addBlob(name: string, spec: BlobSpec): EmulatedBlob;
  /** A new SAS URL (a new signature each time) for a blob, as LCS hands out. */
  blobUrl(name: string): string;
  /** Called before each list answer, e.g. to hand out a fresh SAS as LCS does. */
  listHook?: () => void;
  reset(): void;
  /** Stops the server and destroys every open socket, hanging ones included, so mocha can exit. */
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Backups served by default; `sampleBackups(now)` when omitted. */
  backups?: RawBackup[];
  /** The clock the sample backups are built around. */
  now?: Date;
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const OPENID_PATH = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const LIST_PATH = /^\/databasemovement\/v1\/databases\/project\/([^/]+)$/;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const initialBackups = (): RawBackup[] => structuredClone(options.backups ?? sampleBackups(options.now ?? new Date()));
  const sockets = new Set<Socket>();
  const stepContext: StepContext = { hanging: new Set(), timers: new Set() };

  const server = https.createServer({
    key: readFileSync(path.join(certsDir, 'server-key.pem')),
    cert: readFileSync(path.join(certsDir, 'server.pem')),
  });
  // Every TLS socket, so close() can end keep-alive and hanging connections instead of waiting.
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A client that gives up mid-handshake must not crash the test run.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;

  const emulator: Emulator = {
    url,
    authority: `${url}/organizations`,
    apiUrl: url,
    caFile,
    ...scriptableState(initialBackups),
    addBlob: (name, spec) => addBlob(emulator.blobStore, name, spec),
    blobUrl: (name) => blobSasUrl(emulator.blobStore, url, name),
    reset() {
      resetScriptableState(emulator, scriptableState(initialBackups));
      for (const socket of stepContext.hanging) socket.destroy();
      stepContext.hanging.clear();
    },
    close() {
      clearStepTimers(stepContext);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(emulator, stepContext, req, res).catch((error: unknown) => {
      // A bug in the emulator must show up as a 500 in the test, not as an unhandled rejection.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`emulator error: ${error instanceof Error ? error.stack : String(error)}`);
      }
    });
  });
  return emulator;
}

/** What a test may script or read back, as a fresh emulator has it. */
type ScriptableState = Omit<Emulator, 'url' | 'authority' | 'apiUrl' | 'caFile' | 'addBlob' | 'blobUrl' | 'reset' | 'close'>;

function scriptableState(initialBackups: () => RawBackup[]): ScriptableState {
  const azureRm = newAzureRm();
  return {
    requests: [],
    backups: initialBackups(),
    tokenSteps: [],
    lcsSteps: [],
    startSteps: [],
    statusSteps: [],
    operations: [],
    operationScript: [...DEFAULT_OPERATION_SCRIPT],
    exportListingDelay: 0,
    statusVisibleAfterMs: 0,
    pendingExportAsset: 'empty',
    listStepsAfterExport: [],
    dailyLimit: DEFAULT_DAILY_LIMIT,
    environments: {},
    tokenLifetimeSeconds: DEFAULT_TOKEN_LIFETIME_SECONDS,
    singleTenantApp: false,
    issuedTokens: [],
    tokenExpiry: new Map(),
    issuedRefreshTokens: [],
    blobStore: newBlobStore(),
    azureRm,
    copyStore: newCopyStore(() => azureRm.storageTokens),
    listHook: undefined,
  };
}

/**
 * Puts every scriptable field back as a fresh emulator has it. Arrays and maps are emptied in
 * place, so a test that kept a reference (to `requests`, say) sees the reset; tokens from an
 * earlier test must not authenticate a later one.
 */
function resetScriptableState(emulator: Emulator, fresh: ScriptableState): void {
  for (const [key, value] of Object.entries(fresh) as [keyof ScriptableState, unknown][]) {
    const current: unknown = emulator[key];
    if (Array.isArray(current) && Array.isArray(value)) {
      current.splice(0, current.length, ...(value as unknown[]));
    } else if (current instanceof Map && value instanceof Map) {
      current.clear();
    } else {
      (emulator as unknown as Record<string, unknown>)[key] = value;
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(emu: Emulator, ctx: StepContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const requestPath = req.url ?? '/';
  emu.requests.push({
    method: req.method ?? '',
    path: requestPath,
    host: req.headers.host ?? '',
    headers: { ...req.headers },
    body,
    at: Date.now(),
  });
  const pathname = new URL(requestPath, emu.url).pathname;

  const blob = BLOB_PATH.exec(pathname);
  if (blob) return handleBlob(emu.blobStore, req, res, blob[1], ctx.hanging);

  const copy = COPY_PATH.exec(pathname);
  if (copy) return handleCopyStore(emu.copyStore, emu.blobStore, req, res, copy[1], copy[2]);

  if (pathname === OIDC_PATH && req.method === 'POST')
    return writeStep(req, res, oidcStep(emu.azureRm, req.headers.authorization, new URL(requestPath, emu.url).searchParams), ctx);

  const token = TOKEN_PATH.exec(pathname);
  const clientCredentials = token && req.method === 'POST' ? clientCredentialsStep(emu.azureRm, token[1], new URLSearchParams(body)) : undefined;
  if (clientCredentials) return writeStep(req, res, clientCredentials, ctx);
  if (token && req.method === 'POST') return writeStep(req, res, emu.tokenSteps.shift() ?? tokenDefault(emu, body, token[1]), ctx);

  const list = LIST_PATH.exec(pathname);
  if (list && req.method === 'GET') return writeStep(req, res, emu.lcsSteps.shift() ?? afterExportStep(emu) ?? listDefault(emu, req, list[1]), ctx);

  const operation = operationStep(emu, req, pathname, lcsRefusal);
  if (operation) return writeStep(req, res, operation, ctx);

  const openid = OPENID_PATH.exec(pathname);
  if (openid && req.method === 'GET') return writeStep(req, res, { body: openIdConfiguration(emu.url, openid[1]) }, ctx);

  if (token || list)
    return writeStep(
      req,
      res,
      { status: 405, headers: { Allow: token ? 'POST' : 'GET' }, body: { Message: `The requested resource does not support http method '${req.method}'.` } },
      ctx,
    );
  return writeStep(req, res, { status: 404, body: { Message: `No HTTP resource was found that matches the request URI '${emu.url}${requestPath}'.` } }, ctx);
}

function tokenDefault(emu: Emulator, body: string, tenant: string): Step {
  const decision = decideTokenRequest(
    new URLSearchParams(body),
    emu.url,
    emu.apiUrl,
    emu.tokenLifetimeSeconds,
    decodeURIComponent(tenant),
    emu.singleTenantApp,
  );
  if (decision.tokens) {
    emu.issuedTokens.push(decision.tokens.accessToken);
    emu.tokenExpiry.set(decision.tokens.accessToken, decision.tokens.expiresAt);
    emu.issuedRefreshTokens.push(decision.tokens.refreshToken);
  }
  return decision.step;
}

/**
 * LCS's own checks of every request, in order: authentication (401 with an empty body; an expired
 * token says so in WWW-Authenticate), the API version, the project id. Undefined when all pass.
 */
function lcsRefusal(emu: Emulator, req: IncomingMessage, projectId: string): Step | undefined {
  const authorization = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(authorization);
  if (!match || !emu.issuedTokens.includes(match[1])) {
    return { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };
  }
  if (Date.now() >= (emu.tokenExpiry.get(match[1]) ?? Infinity)) {
    return { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The token is expired"' } };
  }
  if (req.headers['x-ms-version'] !== LCS_API_VERSION) {
    return { status: 400, body: { Message: `The x-ms-version header is missing or has an unsupported value. Supported: ${LCS_API_VERSION}.` } };
  }
  emu.listHook?.();
  if (!/^\d+$/.test(projectId)) {
    return { status: 400, body: { Message: 'The request is invalid.', MessageDetail: `The value '${projectId}' is not valid for projectId.` } };
  }
  return undefined;
}

function afterExportStep(emu: Emulator): Step | undefined {
  return emu.operations.some((op) => op.kind === 'export' && op.completedAt !== undefined) ? emu.listStepsAfterExport.shift() : undefined;
}

function listDefault(emu: Emulator, req: IncomingMessage, projectId: string): Step {
  const refused = lcsRefusal(emu, req, projectId);
  if (refused) return refused;
  publishExportedBackups(emu);
  return {
    status: 200,
    body: { DatabaseAssets: emu.backups, IsSuccess: true, OperationActivityId: randomUUID(), ErrorMessage: null, VersionEOL: VERSION_EOL_NONE },
  };
}
