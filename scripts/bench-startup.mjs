#!/usr/bin/env node
// Start-up and size of each task bundle: `node scripts/bench-startup.mjs` (after npm run build).
//
// Times whole processes, interleaved, from spawn to exit: an empty `node`, and each bundled task
// run without inputs (it loads, reads its first input and fails with an input error: the cost of
// loading the bundle and task-lib before any request). Prints medians and bundle sizes (raw and
// deflated, roughly what a bundle adds to the VSIX).
//
// `--extra <file.js>...` times more scripts the same way, e.g. a bundle of @azure/identity and
// @azure/storage-blob built outside the repo (README, Performance: "Copy") to compare what those
// libraries would add to a task's start-up.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { taskFolders } from './taskFolders.cjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 15;
const args = process.argv.slice(2);
const extras = args[0] === '--extra' ? args.slice(1) : [];

const tmp = mkdtempSync(join(tmpdir(), 'bench-startup-'));
const empty = join(tmp, 'empty.js');
writeFileSync(empty, '');
const tasks = taskFolders(root).filter((t) => existsSync(join(root, 'tasks', t, 'dist', 'index.js')));
const variants = [
  { label: 'node, empty script', file: empty },
  ...tasks.map((t) => ({ label: t, file: join(root, 'tasks', t, 'dist', 'index.js') })),
  ...extras.map((f) => ({ label: `extra: ${basename(f)}`, file: f })),
];
// A clean environment: no inputs (each task stops at its first input), its temp dir in tmp.
const env = { PATH: process.env.PATH, AGENT_TEMPDIRECTORY: tmp, HOME: tmp };
const times = new Map(variants.map((v) => [v.label, []]));
for (let i = 0; i < RUNS + 2; i++) {
  for (const v of variants) {
    const start = process.hrtime.bigint();
    try {
      execFileSync(process.execPath, [v.file], { env, stdio: 'ignore' });
    } catch {
      // A task without inputs fails: that is the path measured.
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (i >= 2) times.get(v.label).push(ms);
  }
}
rmSync(tmp, { recursive: true, force: true });
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times.get('node, empty script'));
console.log(`start-up: spawn to exit without inputs, median of ${RUNS} interleaved runs (ms)`);
for (const v of variants) {
  const m = median(times.get(v.label));
  const size =
    v.file === empty
      ? ''
      : (() => {
          const bytes = readFileSync(v.file);
          return `  ${(bytes.length / 1024).toFixed(1)} KiB, deflated ${(deflateSync(bytes).length / 1024).toFixed(1)} KiB`;
        })();
  console.log(`  ${v.label.padEnd(34)} ${m.toFixed(1).padStart(7)}  (+${(m - base).toFixed(1)} over empty node)${size}`);
}
