/** Finding the repository from compiled code, which runs from build/... rather than from the sources. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { taskFolders as sharedTaskFolders } from '../../scripts/taskFolders.cjs';

/**
 * The nearest directory at or above `startDir` that holds package.json. Walking up (instead of a
 * fixed `../..`) keeps working whether the file runs from sources, build/ or a bundle.
 */
export function findRepoRoot(startDir: string = __dirname): string {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json found at or above ${startDir}`);
  }
}

/** The task folders (tasks/<Name>V<N>/ with a task.json), sorted; the scripts share the code. */
export function taskFolders(root: string = findRepoRoot(__dirname)): string[] {
  return sharedTaskFolders(root);
}

/** A task's bundle, tasks/<folder>/dist/index.js: what task.json's handlers run. */
export function taskScript(folder: string, root: string = findRepoRoot(__dirname)): string {
  return path.join(root, 'tasks', folder, 'dist', 'index.js');
}
