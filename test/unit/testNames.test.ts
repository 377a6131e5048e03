/**
 * Tests mirror the sources: every unit test file is named after the module it tests, so the test
 * of x.ts is found as x.test.ts (a task's own modules under test/unit/<Task>V1/). The few files
 * that check the repository itself rather than a module are listed here, each with its reason.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '../support/repo';

const root = findRepoRoot(__dirname);

/** Unit test files that are not about one module. */
const REPOSITORY_CHECKS: Record<string, string> = {
  'codeShape.test.ts': 'the 60-line rule over tasks/, scripts/, test/support and test/emulator',
  'layers.test.ts': 'the layering of tasks/common and the absence of import cycles',
  'docsOutputsInScripts.test.ts': 'README, overview.md and the summary tab',
  'editorAndMarketplace.test.ts': 'task.json and vss-extension.json as the editor and Marketplace read them',
  'releaseCheck.test.ts': 'scripts/release-check.mjs and package.mjs --release, run as programs',
  'taskManifests.test.ts': "task.json against each task's OUTPUTS and settings",
  'testNames.test.ts': 'this rule',
};

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : files(full, suffix);
    return name.endsWith(suffix) ? [full] : [];
  });
}

/** The modules a test in test/unit/<rel> may be named after: tasks/common, a task's folder, the emulator, test support. */
function modulesFor(rel: string): string[] {
  const folder = path.dirname(rel);
  const dir = folder === '.' ? path.join(root, 'tasks', 'common') : path.join(root, folder.startsWith('Lcs') ? 'tasks' : 'test', folder);
  return files(dir, '.ts').map((f) => path.basename(f));
}

describe('test names', () => {
  const unitDir = path.join(root, 'test', 'unit');
  const tests = files(unitDir, '.test.ts').map((f) => path.relative(unitDir, f));

  it('finds the unit tests', () => assert.ok(tests.length > 20, tests.join(', ')));

  it('every unit test file is named after the module it tests', () => {
    const unmatched = tests.filter((rel) => {
      if (REPOSITORY_CHECKS[rel]) return false;
      return !modulesFor(rel).includes(`${path.basename(rel, '.test.ts')}.ts`);
    });
    assert.deepEqual(unmatched, [], "name each after its module (test/unit/<Task>V1/ for a task's own), or list it above with its reason");
  });

  it('every listed exception still exists', () => {
    for (const name of Object.keys(REPOSITORY_CHECKS)) assert.ok(tests.includes(name), `${name} is listed but gone`);
  });
});
