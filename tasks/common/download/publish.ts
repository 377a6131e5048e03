/**
 * The last step of a download: the verified `<name>.partial` becomes `<name>`. Without
 * overwriteExisting it must not replace a file that appeared while the bytes were on their way, so
 * the partial is hard-linked to the final name (link() fails when anything is there, a dangling
 * link included, and never follows one; NTFS supports hard links too) and then removed. Where the
 * file system has no hard links (FAT, some network shares) it falls back to a rename after a
 * last look (a window of microseconds, logged). With overwriteExisting the partial is renamed
 * over the final name (a link there is replaced, not followed). Afterwards the final name must
 * hold a regular file of the blob's size, or nothing is published.
 */
import { promises as fsp } from 'node:fs';
import { DownloadError, fileSystemError } from './errors';
import { TargetFiles, existing } from './partialFile';

/** link() errors that mean "this file system has no hard links", not "something is there". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

function appeared(files: TargetFiles): DownloadError {
  return new DownloadError(
    `A file named ${files.fileName} appeared in ${files.directory} while the backup was downloading; it was left as it is (overwriteExisting is false). The verified download is kept in ${files.fileName}.partial.`,
    'Remove or rename that file and run the task again (it publishes the kept download without fetching it again), or set overwriteExisting: true.',
  );
}

async function linkInPlace(files: TargetFiles, debug: (line: string) => void): Promise<void> {
  try {
    await fsp.link(files.partialPath, files.finalPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw appeared(files);
    if (!NO_HARD_LINKS.has(code)) throw fileSystemError('create', files.finalPath, error);
    debug(`No hard link on this file system (${code}): renaming the download after a last look at ${files.fileName}.`);
    if (await existing(files.finalPath)) throw appeared(files);
    await fsp.rename(files.partialPath, files.finalPath);
    return;
  }
  await fsp.unlink(files.partialPath);
}

/** Publishes the verified partial file under its final name; checks what is there afterwards. */
export async function publishFile(files: TargetFiles, overwrite: boolean, size: number, debug: (line: string) => void): Promise<void> {
  try {
    if (overwrite) await fsp.rename(files.partialPath, files.finalPath);
    else await linkInPlace(files, debug);
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw fileSystemError('rename the download to', files.finalPath, error);
  }
  const found = await existing(files.finalPath);
  if (found?.kind !== 'file' || found.size !== size) {
    throw new DownloadError(
      `${files.finalPath} is not the downloaded file after it was put in place (something else changed it).`,
      'Check that no other program writes into downloadDirectory, then run the task again.',
    );
  }
}
