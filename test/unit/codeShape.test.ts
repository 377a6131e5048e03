/**
 * The shape of the code under tasks/: no function longer than 60 lines, so a task function stays
 * a sequence of named steps and every decision is a function of its own. Tests and scripts are exempt.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { findRepoRoot } from '../support/repo';

export const MAX_FUNCTION_LINES = 60;
const root = findRepoRoot(__dirname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      return name === 'dist' || name === 'node_modules' ? [] : sourceFiles(full);
    }
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
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
  it(`no function under tasks/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const files = sourceFiles(path.join(root, 'tasks'));
    assert.ok(files.length > 10, 'found the task sources');
    const long = files.flatMap((file) => longFunctions(file, readFileSync(file, 'utf8')));
    assert.deepEqual(long, [], `Split these into named steps:\n${long.join('\n')}`);
  });

  it('the check finds a long function (it can fail)', () => {
    const body = Array.from({ length: 61 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    assert.equal(longFunctions('x.ts', `function tooLong() {\n${body}\n}\n`).length, 1);
    assert.equal(longFunctions('x.ts', `const f = () => {\n${body}\n};\n`).length, 1);
    assert.equal(longFunctions('x.ts', 'function short() {\n  return 1;\n}\n').length, 0);
  });
});
