// The task folders of the repository: tasks/<Name>V<N>/ with a task.json, sorted. One copy for
// everything that looks for them: the .mjs scripts import it as it is (no build step), the
// TypeScript tests and scripts through test/support/repo.ts (tsc copies it into build/).
'use strict';
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

/**
 * @param {string} root the repository's root directory
 * @returns {string[]} folder names under tasks/, e.g. LcsDatabaseBackupsV1
 */
function taskFolders(root) {
  const tasks = join(root, 'tasks');
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(tasks, entry.name, 'task.json')))
    .map((entry) => entry.name)
    .sort();
}

module.exports = { taskFolders };
