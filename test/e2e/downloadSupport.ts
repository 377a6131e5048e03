/**
 * Shared by the download e2e tests (emulator and Azurite): a download directory per test, the
 * inputs that switch the download on, and what must hold for every downloaded file.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TaskRun } from '../support/agent';
import { describeRun, fileLocationSecrets, outputValue } from './helpers';

const dirs: string[] = [];

/** A fresh directory for one test's downloads; removed by cleanupDownloadDirs(). */
export function downloadDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lcs-dl-'));
  dirs.push(dir);
  return dir;
}

export function cleanupDownloadDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function downloadInputs(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { download: 'true', downloadDirectory: dir, downloadConnections: '4', ...extra };
}

export function md5Base64(file: string): string {
  return createHash('md5').update(readFileSync(file)).digest('base64');
}

/** The run published DownloadedFilePath, the file has `md5`, and only the file is left in `dir`. */
export function assertDownloaded(run: TaskRun, dir: string, fileName: string, md5: string): string {
  const file = outputValue(run, 'DownloadedFilePath');
  assert.equal(file, path.join(dir, fileName), describeRun(run));
  assert.ok(existsSync(file), `no file at ${file}${describeRun(run)}`);
  assert.equal(md5Base64(file), md5, 'the downloaded file has the wrong content');
  assert.deepEqual(readdirSync(dir), [fileName], 'something besides the file is left in the directory');
  return file;
}

/** Every SAS URL handed out in a test, in every form that could leak. */
export function sasSecrets(urls: readonly string[]): string[] {
  return fileLocationSecrets(urls.map((FileLocation) => ({ FileLocation }) as never));
}

/** Lines of the log that are not agent commands. */
export function logText(run: TaskRun): string {
  return run.plainLines.join('\n');
}
