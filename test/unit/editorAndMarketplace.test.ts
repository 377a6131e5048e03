/**
 * What users see before the task runs: the editor's input validation (task.json `validation`)
 * agrees with the task's own parsers, help links lead to this extension's documentation and
 * to headings that exist, and the manifests point at one repository.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot, taskFolders as repoTaskFolders } from '../support/repo';
import { parseLcsId, parseProjectId, parseSeconds } from '../../tasks/common/platform/inputs';
import { parseCopyPollSeconds } from '../../tasks/LcsDatabaseBackupCopyV1/settings';
import { parsePollIntervalSeconds, parseTimeoutMinutes } from '../../tasks/common/wait/waitSettings';
import { parseBackupId, parseMaxAgeDays } from '../../tasks/LcsDatabaseBackupsV1/settings';
import { parseConnections } from '../../tasks/LcsDatabaseBackupsV1/downloadSettings';

const root = findRepoRoot(__dirname);
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const readJson = <T>(file: string): T => JSON.parse(read(file)) as T;

interface Validation {
  expression: string;
  message: string;
}
interface TaskInput {
  name: string;
  type: string;
  helpMarkDown?: string;
  validation?: Validation;
}
interface TaskJson {
  helpUrl: string;
  helpMarkDown: string;
  category: string;
  inputs: TaskInput[];
}
interface Manifest {
  repository?: { type: string; uri: string };
  links?: Record<string, { uri: string }>;
  content?: Record<string, { path: string }>;
  categories: string[];
  contributions: { type: string; properties: Record<string, unknown> & { inputDescriptors?: { id: string; validation?: { dataType?: string } }[] } }[];
}

const task = readJson<TaskJson>('tasks/LcsDatabaseBackupsV1/task.json');
const taskFolders = repoTaskFolders(root);
const tasks = taskFolders.map((folder) => ({ folder, json: readJson<TaskJson>(`tasks/${folder}/task.json`) }));
const manifest = readJson<Manifest>('vss-extension.json');
const endpointType = manifest.contributions.find((c) => c.type === 'ms.vss-endpoint.service-endpoint-type')!.properties;

/** The regular expression of `isMatch(value, '<re>', '<options>')`, as the editor evaluates it. */
export function editorPattern(validation: Validation): RegExp {
  const m = /^isMatch\(value, '([^']*)', '(IgnoreCase|Multiline|IgnoreCase, ?Multiline|i|m|im|mi)'\)$/.exec(validation.expression);
  assert.ok(m, `not an isMatch(value, '...', '...') expression: ${validation.expression}`);
  return new RegExp(m[1], /IgnoreCase|i/.test(m[2]) ? 'i' : '');
}

function accepts(parse: (raw: string) => unknown, raw: string): boolean {
  try {
    parse(raw);
    return true;
  } catch {
    return false;
  }
}

const guid =
  (name: string) =>
  (raw: string): string =>
    parseLcsId(raw, name, 'an id');
const GUID_TYPOS = [
  '0a1b2c3d-4e5f-4a6b-8c9d',
  'not-a-guid',
  '{0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d}',
  '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5dd',
  '0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5',
  'g0000000-0000-0000-0000-000000000000',
];
/** The two forms LCS shows an id in: a GUID with dashes, and the same 32 hex digits without them. */
const GUID_FORMS = [
  '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d',
  '0A1B2C3D-4E5F-4A6B-8C9D-0E1F2A3B4C5D',
  '0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d',
  ' 0A1B2C3D4E5F4A6B8C9D0E1F2A3B4C5D ',
];

/**
 * Each numeric or id input, the task's own parser, and typos the editor must catch. `exact`: the
 * editor refuses exactly what the run refuses on the number samples (0, 99999, ... included).
 */
const CHECKED: Record<string, { parse: (raw: string) => unknown; typos: string[]; exact?: boolean }> = {
  projectId: { parse: parseProjectId, typos: ['abc', '-5', '12.5', '1 234', '0', '1e3', 'https://lcs.dynamics.com/V2/ProjectOverview/1234567'] },
  maxAgeDays: { parse: parseMaxAgeDays, typos: ['a week', '7 days', '1,5', '-1', '1e2', '0', '0.0'], exact: true },
  requestTimeoutSeconds: {
    parse: (raw) => parseSeconds(raw, 'requestTimeoutSeconds', 100, false),
    typos: ['ten', '5 min', '-1', '1,5', '100s', '0', '99999'],
    exact: true,
  },
  retryBudgetSeconds: {
    parse: (raw) => parseSeconds(raw, 'retryBudgetSeconds', 300, true),
    typos: ['five minutes', '-5', '300 s', '1,5', '99999'],
    exact: true,
  },
  backupId: { parse: parseBackupId, typos: ['../backup', 'ee749be5 7504', 'id;whoami', '-dash-first', "'quoted'"] },
  timeoutMinutes: { parse: parseTimeoutMinutes, typos: ['0', '99999', '6 hours', '-1', '1,5', '10081'], exact: true },
  pollIntervalSeconds: { parse: parsePollIntervalSeconds, typos: ['0', '99999', '1.5', '60s', '3601'], exact: true },
  downloadConnections: { parse: parseConnections, typos: ['0', '65', '8.5', 'eight', '99999'], exact: true },
  environmentId: { parse: guid('environmentId'), typos: GUID_TYPOS },
  sourceEnvironmentId: { parse: guid('sourceEnvironmentId'), typos: GUID_TYPOS },
  targetEnvironmentId: { parse: guid('targetEnvironmentId'), typos: GUID_TYPOS },
  operationActivityId: { parse: guid('operationActivityId'), typos: GUID_TYPOS },
};
/** Inputs a task parses its own way: the copy polls storage, not LCS, so its interval takes decimals. */
const OWN_RULES: Record<string, typeof CHECKED> = {
  LcsDatabaseBackupCopyV1: { pollIntervalSeconds: { parse: parseCopyPollSeconds, typos: ['0', '0.05', '99999', '.5', '60s', '3601'], exact: true } },
};
const GUID_INPUTS = new Set(['environmentId', 'sourceEnvironmentId', 'targetEnvironmentId', 'operationActivityId']);
/** Numbers around every limit the parsers have: 0, 1, 60, 64, 3600, 10080, 86400, 99999, and decimals. */
const NUMBERS = [
  '0',
  '00',
  '0.0',
  '0.5',
  '.5',
  '1.',
  '1',
  '01',
  '7',
  '8.5',
  '59',
  '60',
  '63',
  '64',
  '65',
  '099',
  '100',
  '360',
  '999',
  '1000',
  '3599',
  '3600',
  '3601',
  '9999',
  '9999.9',
  '10000',
  '10079.99',
  '10080',
  '10080.0',
  '10080.01',
  '10081',
  '12345',
  '79999',
  '80000',
  '85999',
  '86399.5',
  '86400',
  '086400',
  '86400.0',
  '86400.5',
  '86401',
  '99999',
  '100000',
  '1e3',
  '-1',
  ' 42 ',
];
const SAMPLES = [
  '',
  ' ',
  '0',
  '7',
  ' 42 ',
  '007',
  '1.5',
  '0.25',
  '.5',
  '1.',
  '86400',
  '86401',
  '1234567',
  '99999999999999999999',
  '-1',
  '1e3',
  'abc',
  'ee749be5-7504-4b03-81cc-1daad9cb11c2',
  'EE749BE5-7504-4B03-81CC-1DAAD9CB11C2',
  'backup-1',
  'x'.repeat(64),
  'x'.repeat(65),
];
const MACROS = ['$(LcsProjectId)', '$(backupId)', ' $(Build.BuildId) ', '$(a)$(b)'];

/** GitHub's anchor for a Markdown heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdownFile: string): Set<string> {
  return new Set(
    read(markdownFile)
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, ''))),
  );
}

/** Every link into this repository's documentation inside a text, as [file, anchor]. */
function docLinks(text: string, repo: string): [string, string][] {
  const re = new RegExp(`${repo.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/blob/main/([\\w./-]+?)(?:#([\\w-]+))?(?=[)"\\s]|$)`, 'g');
  return [...text.matchAll(re)].map((m) => [m[1], m[2] ?? '']);
}

describe('editor and Marketplace', () => {
  describe('input validation in the editor (task.json validation), the same for every task', () => {
    for (const { folder, json } of tasks) {
      for (const [name, { parse, typos, exact }] of Object.entries({ ...CHECKED, ...OWN_RULES[folder] })) {
        const input = json.inputs.find((i) => i.name === name);
        if (!input) continue;

        it(`${folder} ${name}: has an isMatch validation with a message`, () => {
          assert.ok(input.validation, `${name} has no validation`);
          assert.ok(input.validation.message.length > 10, `${name}: no message`);
          editorPattern(input.validation);
        });

        it(`${folder} ${name}: the editor accepts everything the task accepts, and variables`, () => {
          const pattern = editorPattern(input.validation!);
          for (const raw of [...SAMPLES, ...NUMBERS].filter((s) => accepts(parse, s)))
            assert.match(raw, pattern, `${name}: the task accepts '${raw}' but the editor would not`);
          for (const raw of MACROS) assert.match(raw, pattern, `${name}: a variable '${raw}' would be refused`);
        });

        it(`${folder} ${name}: the editor catches typos (${typos.length})`, () => {
          const pattern = editorPattern(input.validation!);
          for (const raw of typos) {
            assert.doesNotMatch(raw, pattern, `${name}: '${raw}' passes the editor`);
            assert.equal(accepts(parse, raw), false, `${name}: the task accepts the typo '${raw}'`);
          }
        });

        if (exact) {
          it(`${folder} ${name}: the editor refuses exactly the numbers the run refuses`, () => {
            const pattern = editorPattern(input.validation!);
            for (const raw of NUMBERS.filter((s) => !accepts(parse, s)))
              assert.doesNotMatch(raw, pattern, `${name}: the run refuses '${raw}' but the editor accepts it`);
          });
        }

        if (GUID_INPUTS.has(name)) {
          it(`${folder} ${name}: the editor accepts an id with and without dashes`, () => {
            const pattern = editorPattern(input.validation!);
            for (const raw of GUID_FORMS) assert.match(raw, pattern, `${name}: '${raw}' would be refused`);
          });
        }
      }
    }

    it('every id or number input of every task has a rule (none is left to the run alone)', () => {
      for (const { folder, json } of tasks) {
        for (const input of json.inputs) {
          if (input.type !== 'string' || !/Id$|Seconds$|Minutes$|Days$|Connections$/.test(input.name)) continue;
          assert.ok(CHECKED[input.name], `${folder}: input ${input.name} has no entry in CHECKED`);
          assert.ok(input.validation, `${folder}: input ${input.name} has no validation`);
        }
      }
    });
  });

  describe('links and manifest', () => {
    const repo = manifest.repository?.uri ?? '';

    it('vss-extension.json names a git repository, and package.json the same one', () => {
      assert.equal(manifest.repository?.type, 'git');
      assert.match(repo, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
      const pkg = readJson<{ repository: { url: string }; homepage: string; bugs: { url: string } }>('package.json');
      assert.equal(pkg.repository.url, `git+${repo}.git`);
      assert.ok(pkg.homepage.startsWith(repo));
      assert.equal(pkg.bugs.url, `${repo}/issues`);
    });

    it('the Marketplace links (get started, learn, support, license) point into that repository', () => {
      for (const key of ['getstarted', 'learn', 'support', 'license']) {
        assert.ok(manifest.links?.[key]?.uri.startsWith(`${repo}/`), `links.${key}`);
      }
    });

    it("package.json engines asks for the Node version README's Quick start names", () => {
      const stated = /Node\.js (\d+\.\d+) or later/.exec(read('README.md'))?.[1];
      assert.ok(stated, 'README names no "Node.js <x.y> or later"');
      assert.equal(readJson<{ engines: { node: string } }>('package.json').engines.node, `>=${stated}`);
    });

    it("the changelog ships as the extension's changelog", () => {
      assert.equal(manifest.content?.changelog?.path, 'CHANGELOG.md');
      assert.ok(existsSync(path.join(root, 'CHANGELOG.md')));
    });

    it("task.json: helpUrl is this extension's documentation; the category is Deploy", () => {
      assert.ok(task.helpUrl.startsWith(`${repo}/blob/main/`), task.helpUrl);
      assert.equal(task.category, 'Deploy');
      assert.deepEqual(manifest.categories, ['Azure Pipelines']);
    });

    it('the service connection type has an icon and help with a link to the set-up guide', () => {
      const icon = String(endpointType.iconUrl ?? '');
      assert.match(icon, /^images\/[\w-]+\.png$/);
      const png = readFileSync(path.join(root, icon));
      assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
      assert.match(String(endpointType.helpMarkDown), /\]\(https:\/\/[^)]+#set-it-up\)/);
    });

    it('the apiurl field is validated as a URI', () => {
      assert.equal(endpointType.inputDescriptors?.find((d) => d.id === 'apiurl')?.validation?.dataType, 'uri');
    });

    it('every link into the documentation leads to a file and a heading that exist', () => {
      const texts = [read('vss-extension.json'), ...taskFolders.map((f) => read(`tasks/${f}/task.json`))];
      const links = texts.flatMap((t) => docLinks(t, repo));
      assert.ok(links.length >= 5, `only ${links.length} documentation links found`);
      for (const [file, anchor] of links) {
        assert.ok(existsSync(path.join(root, file)), `${file} does not exist`);
        if (anchor) assert.ok(anchors(file).has(anchor), `${file} has no heading for #${anchor} (headings: ${[...anchors(file)].join(', ')})`);
      }
    });

    it('every #anchor link inside overview.md and README.md leads to a heading', () => {
      for (const file of ['overview.md', 'README.md']) {
        const known = anchors(file);
        for (const [, anchor] of read(file).matchAll(/\]\(#([\w-]+)\)/g)) assert.ok(known.has(anchor), `${file}: no heading for #${anchor}`);
        for (const [, target, anchor] of read(file).matchAll(/\]\(([\w-]+\.md)#([\w-]+)\)/g))
          assert.ok(anchors(target).has(anchor), `${file}: ${target} has no heading for #${anchor}`);
      }
    });
  });
});
