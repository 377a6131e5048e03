/**
 * The architecture README's Layout describes, checked: tasks/common's folders form layers that
 * import only downward, common never imports a task, a task never imports another, and no module
 * imports itself through a cycle.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '../support/repo';

const root = findRepoRoot(__dirname);
const tasksDir = path.join(root, 'tasks');

/** tasks/common's folders, lowest first; a folder may import only from folders of a lower rank. */
export const LAYERS: Record<string, number> = {
  text: 0,
  platform: 1,
  http: 2,
  lcs: 3,
  azure: 3,
  download: 3,
  wait: 4,
  backups: 4,
};

/** Module (repo-relative path without .ts) -> the modules it imports (relative imports only). */
export type ImportGraph = Map<string, string[]>;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'dist' || name === 'node_modules' ? [] : sources(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function importGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sources(tasksDir)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].flatMap((match) => {
      const target = path.resolve(path.dirname(file), match[1] as string);
      return existsSync(`${target}.ts`) ? [path.relative(root, target)] : [];
    });
    graph.set(path.relative(root, file).replace(/\.ts$/, ''), targets);
  }
  return graph;
}

/** `a -> b` for every import that breaks the layering. */
export function layerViolations(graph: ImportGraph): string[] {
  const place = (module: string): { task?: string; layer?: string } => {
    const [, top, sub] = module.split('/');
    return top === 'common' ? { layer: sub } : { task: top };
  };
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = place(from);
      const b = place(to);
      const ok =
        a.task !== undefined
          ? b.task === undefined || b.task === a.task
          : b.task === undefined && (a.layer === b.layer || (LAYERS[b.layer ?? ''] ?? 99) < (LAYERS[a.layer ?? ''] ?? -1));
      if (!ok) found.push(`${from} -> ${to}`);
    }
  }
  return found;
}

/** Every import cycle, as the modules on it (depth-first search; each cycle reported once per entry). */
export function importCycles(graph: ImportGraph): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (module: string): void => {
    state.set(module, 'open');
    stack.push(module);
    for (const next of graph.get(module) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(module, 'done');
  };
  for (const module of graph.keys()) if (!state.has(module)) visit(module);
  return cycles;
}

describe('layers of tasks/', () => {
  const graph = importGraph();

  it('reads the imports of every module', () => {
    assert.ok(graph.size > 50, `found ${graph.size} modules`);
    assert.ok(graph.get('tasks/common/lcs/session')?.includes('tasks/common/http/http'), 'session imports http');
  });

  it('every folder of tasks/common is a known layer', () => {
    const folders = readdirSync(path.join(tasksDir, 'common')).filter((name) => statSync(path.join(tasksDir, 'common', name)).isDirectory());
    assert.deepEqual(
      folders.filter((name) => !(name in LAYERS)),
      [],
      'add the folder to LAYERS and to README Layout',
    );
    const loose = readdirSync(path.join(tasksDir, 'common')).filter((name) => name.endsWith('.ts'));
    assert.deepEqual(loose, [], 'every common module belongs to a layer folder');
  });

  it('imports go only downward: common never imports a task, a task never another task', () => {
    const violations = layerViolations(graph);
    assert.deepEqual(violations, [], `Imports against the layering:\n${violations.join('\n')}`);
  });

  it('no import cycles', () => {
    const cycles = importCycles(graph);
    assert.deepEqual(cycles, [], `Import cycles:\n${cycles.join('\n')}`);
  });

  it('the checks find what they look for (they can fail)', () => {
    const bad: ImportGraph = new Map([
      ['tasks/common/text/sanitize', ['tasks/common/http/http']],
      ['tasks/common/http/http', ['tasks/common/http/retry', 'tasks/ATaskV1/outputs']],
      ['tasks/common/http/retry', ['tasks/common/http/http']],
      ['tasks/ATaskV1/outputs', ['tasks/BTaskV1/outputs', 'tasks/common/wait/operations']],
      ['tasks/common/wait/operations', ['tasks/common/lcs/lcsClient']],
    ]);
    assert.deepEqual(layerViolations(bad), [
      'tasks/common/text/sanitize -> tasks/common/http/http',
      'tasks/common/http/http -> tasks/ATaskV1/outputs',
      'tasks/ATaskV1/outputs -> tasks/BTaskV1/outputs',
    ]);
    assert.deepEqual(importCycles(bad), ['tasks/common/http/http -> tasks/common/http/retry -> tasks/common/http/http']);
  });
});
