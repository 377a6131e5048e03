/**
 * The shape of the code: no function longer than 60 lines under tasks/, scripts/, test/support and
 * test/emulator, so a function stays a sequence of named steps and every decision is a function of
 * its own. Test files themselves (describe/it blocks) are exempt.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { findRepoRoot } from '../support/repo';

export const MAX_FUNCTION_LINES = 60;
const root = findRepoRoot(__dirname);

/** The folders the rule covers; it reads their .ts and .mjs (Node script) files. */
const SHAPED_FOLDERS = ['tasks', 'scripts', 'test/support', 'test/emulator'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      return name === 'dist' || name === 'node_modules' ? [] : sourceFiles(full);
    }
    return (name.endsWith('.ts') && !name.endsWith('.d.ts')) || name.endsWith('.mjs') ? [full] : [];
  });
}

/** `file:line name (N lines)` for every function longer than the limit. */
export function longFunctions(file: string, text: string, limit = MAX_FUNCTION_LINES): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        found.push(`${path.relative(root, file)}:${start + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code shape', () => {
  for (const folder of SHAPED_FOLDERS) {
    it(`no function under ${folder}/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
      const files = sourceFiles(path.join(root, folder));
      assert.ok(files.length >= 5, `found the sources under ${folder}/`);
      const long = files.flatMap((file) => longFunctions(file, readFileSync(file, 'utf8')));
      assert.deepEqual(long, [], `Split these into named steps:\n${long.join('\n')}`);
    });
  }

  it('the check finds a long function (it can fail)', () => {
    const body = Array.from({ length: 61 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    assert.equal(longFunctions('x.ts', `function tooLong() {\n${body}\n}\n`).length, 1);
    assert.equal(longFunctions('x.ts', `const f = () => {\n${body}\n};\n`).length, 1);
    assert.equal(longFunctions('x.mjs', `export async function tooLong() {\n${body}\n}\n`).length, 1, 'a Node script');
    assert.equal(longFunctions('x.ts', 'function short() {\n  return 1;\n}\n').length, 0);
  });
});
