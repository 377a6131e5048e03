/**
 * Azurite, Microsoft's Azure Storage emulator, for the download tests: started on a free
 * loopback port over HTTPS with the test CA's server certificate, in memory, without telemetry.
 * The tests create the container, upload blobs and sign SAS URLs with the well-known development
 * account key, with a small HMAC signer instead of the Azure SDK.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRepoRoot } from './repo';

/** Azurite's documented development account. */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const SAS_VERSION = '2020-12-06';

export interface Azurite {
  /** https://127.0.0.1:PORT/devstoreaccount1 */
  accountUrl: string;
  stop(): Promise<void>;
}

const root = findRepoRoot(__dirname);
const certs = path.join(root, 'test', 'emulator', 'certs');
const ca = readFileSync(path.join(certs, 'ca.pem'));

/** `oauth`: Azurite's `--oauth basic` (bearer tokens that look like Entra's are accepted, unsigned). */
export async function startAzurite(options: { oauth?: boolean } = {}): Promise<Azurite> {
  const main = path.join(root, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'azurite-'));
  const child = spawn(
    process.execPath,
    [
      main,
      '--inMemoryPersistence',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--cert',
      path.join(certs, 'server.pem'),
      '--key',
      path.join(certs, 'server-key.pem'),
      ...(options.oauth ? ['--oauth', 'basic'] : []),
      // Azurite reads a copy's source over HTTPS from itself: it must trust the test CA.
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(certs, 'ca.pem') } },
  );
  const url = await listeningUrl(child);
  return {
    accountUrl: `${url}/${DEV_ACCOUNT}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('close', () => {
          rmSync(cwd, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGKILL');
      }),
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite did not start:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const m = /successfully listens on (https:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}):\n${output}`));
    });
  });
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hmac(text: string): string {
  return createHmac('sha256', Buffer.from(DEV_KEY, 'base64')).update(text, 'utf8').digest('base64');
}

/** A read-only service SAS for one blob (what LCS's FileLocation is), expiring at `expiresOn`. */
export function blobSasUrl(azurite: Azurite, container: string, blob: string, expiresOn: Date): string {
  const se = isoSeconds(expiresOn);
  const canonical = `/blob/${DEV_ACCOUNT}/${container}/${blob}`;
  const toSign = ['r', '', se, canonical, '', '', 'https', SAS_VERSION, 'b', '', '', '', '', '', '', ''].join('\n');
  const query = new URLSearchParams({ sv: SAS_VERSION, spr: 'https', se, sr: 'b', sp: 'r', sig: hmac(toSign) });
  return `${azurite.accountUrl}/${container}/${encodeURIComponent(blob)}?${query.toString()}`;
}

/** An account SAS that may create containers and write blobs (test setup only). */
function accountSas(): string {
  const se = isoSeconds(new Date(Date.now() + 3600_000));
  const toSign = [DEV_ACCOUNT, 'rwdlac', 'b', 'sco', '', se, '', 'https', SAS_VERSION, '', ''].join('\n');
  return new URLSearchParams({ sv: SAS_VERSION, ss: 'b', srt: 'sco', sp: 'rwdlac', se, spr: 'https', sig: hmac(toSign) }).toString();
}

function send(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers: { 'x-ms-version': SAS_VERSION, ...headers }, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

export async function createContainer(azurite: Azurite, container: string): Promise<void> {
  const res = await send(`${azurite.accountUrl}/${container}?restype=container&${accountSas()}`, 'PUT', { 'Content-Length': '0' });
  if (res.status !== 201 && res.status !== 409) throw new Error(`create container: HTTP ${res.status} ${res.body}`);
}

/**
 * Uploads a block blob with its MD5 stored; `storedMd5` then replaces the stored MD5 (Set Blob
 * Properties does not check it against the content), to play a damaged upload.
 */
export async function putBlob(azurite: Azurite, container: string, blob: string, content: Buffer, storedMd5?: string): Promise<void> {
  const url = `${azurite.accountUrl}/${container}/${encodeURIComponent(blob)}`;
  const res = await send(
    `${url}?${accountSas()}`,
    'PUT',
    {
      'x-ms-blob-type': 'BlockBlob',
      'Content-Length': String(content.length),
      'x-ms-blob-content-md5': createHash('md5').update(content).digest('base64'),
      'Content-Type': 'application/octet-stream',
    },
    content,
  );
  if (res.status !== 201) throw new Error(`put blob: HTTP ${res.status} ${res.body}`);
  if (storedMd5) {
    const set = await send(`${url}?comp=properties&${accountSas()}`, 'PUT', { 'Content-Length': '0', 'x-ms-blob-content-md5': storedMd5 });
    if (set.status !== 200) throw new Error(`set blob properties: HTTP ${set.status} ${set.body}`);
  }
}

/** A container SAS (what destinationSasUrl holds), with `permissions` (e.g. racw), expiring at `expiresOn`. */
export function containerSasUrl(azurite: Azurite, container: string, permissions: string, expiresOn: Date): string {
  const se = isoSeconds(expiresOn);
  const canonical = `/blob/${DEV_ACCOUNT}/${container}`;
  const toSign = [permissions, '', se, canonical, '', '', 'https', SAS_VERSION, 'c', '', '', '', '', '', '', ''].join('\n');
  const query = new URLSearchParams({ sv: SAS_VERSION, spr: 'https', se, sr: 'c', sp: permissions, sig: hmac(toSign) });
  return `${azurite.accountUrl}/${container}?${query.toString()}`;
}

/** Get Blob Properties and metadata (test checks only): status and lower-case headers. */
export async function blobHeaders(azurite: Azurite, container: string, blob: string): Promise<{ status: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${azurite.accountUrl}/${container}/${encodeURIComponent(blob)}?${accountSas()}`,
      { method: 'HEAD', headers: { 'x-ms-version': SAS_VERSION }, ca },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}
