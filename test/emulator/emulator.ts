/**
 * One HTTPS server on 127.0.0.1 that plays both Microsoft Entra ID (token endpoint) and the LCS
 * Database Movement API (list backups), so the real, bundled task can be run end to end offline.
 *
 * Default behaviour follows the real services; tests script deviations by queuing `Step`s.
 */
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '../support/repo';
import { decideTokenRequest, openIdConfiguration } from './entra';
import { sampleBackups, type RawBackup } from './samples';
import { clearStepTimers, writeStep, VERSION_EOL_NONE, type Step, type StepContext } from './steps';

export {
  EMULATOR_USERNAME, EMULATOR_PASSWORD, EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID, EMULATOR_USER_OBJECT_ID,
  LCS_RESOURCE_APP_ID, entraError, type EntraErrorContext,
} from './entra';
export { sampleBackups, generateBackups, SAMPLE_PROJECT_ID, type RawBackup } from './samples';
export { lcsFailure, htmlPage, gzipBomb, LIST_ANSWER_HEAD, LIST_ANSWER_TAIL, VERSION_EOL_NONE, type Step } from './steps';

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
  /** Access tokens handed out; the list endpoint accepts exactly these. */
  issuedTokens: string[];
  /** Refresh tokens handed out (never accepted anywhere; here so tests can grep logs for them). */
  issuedRefreshTokens: string[];
  /** Clears requests, both queues and issued tokens, drops hanging connections and restores the starting backups. */
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
    requests: [],
    backups: initialBackups(),
    tokenSteps: [],
    lcsSteps: [],
    issuedTokens: [],
    issuedRefreshTokens: [],
    reset() {
      emulator.requests.length = 0;
      emulator.tokenSteps.length = 0;
      emulator.lcsSteps.length = 0;
      // Tokens from an earlier test must not authenticate a later one.
      emulator.issuedTokens.length = 0;
      emulator.issuedRefreshTokens.length = 0;
      emulator.backups = initialBackups();
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
    method: req.method ?? '', path: requestPath, host: req.headers.host ?? '', headers: { ...req.headers }, body, at: Date.now(),
  });
  const pathname = new URL(requestPath, emu.url).pathname;

  const token = TOKEN_PATH.exec(pathname);
  if (token && req.method === 'POST') return writeStep(req, res, emu.tokenSteps.shift() ?? tokenDefault(emu, body), ctx);

  const list = LIST_PATH.exec(pathname);
  if (list && req.method === 'GET') return writeStep(req, res, emu.lcsSteps.shift() ?? listDefault(emu, req, list[1]), ctx);

  const openid = OPENID_PATH.exec(pathname);
  if (openid && req.method === 'GET') return writeStep(req, res, { body: openIdConfiguration(emu.url, openid[1]) }, ctx);

  if (token || list) return writeStep(req, res, { status: 405, headers: { Allow: token ? 'POST' : 'GET' }, body: { Message: `The requested resource does not support http method '${req.method}'.` } }, ctx);
  return writeStep(req, res, { status: 404, body: { Message: `No HTTP resource was found that matches the request URI '${emu.url}${requestPath}'.` } }, ctx);
}

function tokenDefault(emu: Emulator, body: string): Step {
  const decision = decideTokenRequest(new URLSearchParams(body), emu.url, emu.apiUrl);
  if (decision.tokens) {
    emu.issuedTokens.push(decision.tokens.accessToken);
    emu.issuedRefreshTokens.push(decision.tokens.refreshToken);
  }
  return decision.step;
}

/** LCS's own checks, in order: authentication (401 with an empty body), then the API version. */
function listDefault(emu: Emulator, req: IncomingMessage, projectId: string): Step {
  const authorization = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(authorization);
  if (!match || !emu.issuedTokens.includes(match[1])) {
    return { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };
  }
  if (req.headers['x-ms-version'] !== LCS_API_VERSION) {
    return { status: 400, body: { Message: `The x-ms-version header is missing or has an unsupported value. Supported: ${LCS_API_VERSION}.` } };
  }
  if (!/^\d+$/.test(projectId)) {
    return { status: 400, body: { Message: 'The request is invalid.', MessageDetail: `The value '${projectId}' is not valid for projectId.` } };
  }
  return {
    status: 200,
    body: { DatabaseAssets: emu.backups, IsSuccess: true, OperationActivityId: randomUUID(), ErrorMessage: null, VersionEOL: VERSION_EOL_NONE },
  };
}
