/**
 * What users see before the task runs: the editor's input validation (task.json `validation`)
 * agrees with the task's own parsers, help links lead to this extension's documentation and
 * to headings that exist, and the manifests point at one repository.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '../support/repo';
import { parseProjectId, parseSeconds } from '../../tasks/common/inputs';
import { parseBackupId, parseMaxAgeDays } from '../../tasks/LcsDatabaseBackupsV1/settings';

const root = findRepoRoot(__dirname);
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const readJson = <T>(file: string): T => JSON.parse(read(file)) as T;

interface Validation { expression: string; message: string }
interface TaskInput { name: string; type: string; helpMarkDown?: string; validation?: Validation }
interface TaskJson { helpUrl: string; helpMarkDown: string; category: string; inputs: TaskInput[] }
interface Manifest {
  repository?: { type: string; uri: string };
  links?: Record<string, { uri: string }>;
  content?: Record<string, { path: string }>;
  categories: string[];
  contributions: { type: string; properties: Record<string, unknown> & { inputDescriptors?: { id: string; validation?: { dataType?: string } }[] } }[];
}

const task = readJson<TaskJson>('tasks/LcsDatabaseBackupsV1/task.json');
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

/** Each numeric or id input, the task's own parser, and typos the editor must catch. */
const CHECKED: Record<string, { parse: (raw: string) => unknown; typos: string[] }> = {
  projectId: { parse: parseProjectId, typos: ['abc', '-5', '12.5', '1 234', '0', '1e3', 'https://lcs.dynamics.com/V2/ProjectOverview/1234567'] },
  maxAgeDays: { parse: parseMaxAgeDays, typos: ['a week', '7 days', '1,5', '-1', '1e2'] },
  requestTimeoutSeconds: { parse: (raw) => parseSeconds(raw, 'requestTimeoutSeconds', 100, false), typos: ['ten', '5 min', '-1', '1,5', '100s'] },
  retryBudgetSeconds: { parse: (raw) => parseSeconds(raw, 'retryBudgetSeconds', 300, true), typos: ['five minutes', '-5', '300 s', '1,5'] },
  backupId: { parse: parseBackupId, typos: ['../backup', 'ee749be5 7504', 'id;whoami', '-dash-first', "'quoted'"] },
};
const SAMPLES = [
  '', ' ', '0', '7', ' 42 ', '007', '1.5', '0.25', '.5', '1.', '86400', '86401', '1234567', '99999999999999999999', '-1', '1e3', 'abc',
  'ee749be5-7504-4b03-81cc-1daad9cb11c2', 'EE749BE5-7504-4B03-81CC-1DAAD9CB11C2', 'backup-1', 'x'.repeat(64), 'x'.repeat(65),
];
const MACROS = ['$(LcsProjectId)', '$(backupId)', ' $(Build.BuildId) ', '$(a)$(b)'];

/** GitHub's anchor for a Markdown heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchors(markdownFile: string): Set<string> {
  return new Set(read(markdownFile).split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
}

/** Every link into this repository's documentation inside a text, as [file, anchor]. */
function docLinks(text: string, repo: string): [string, string][] {
  const re = new RegExp(`${repo.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/blob/main/([\\w./-]+?)(?:#([\\w-]+))?(?=[)"\\s]|$)`, 'g');
  return [...text.matchAll(re)].map((m) => [m[1], m[2] ?? '']);
}

describe('editor and Marketplace', () => {
  describe('input validation in the editor (task.json validation)', () => {
    for (const [name, { parse, typos }] of Object.entries(CHECKED)) {
      const input = task.inputs.find((i) => i.name === name);

      it(`${name}: has an isMatch validation with a message`, () => {
        assert.ok(input?.validation, `${name} has no validation`);
        assert.ok(input.validation.message.length > 10, `${name}: no message`);
        editorPattern(input.validation);
      });

      it(`${name}: the editor accepts everything the task accepts, and variables`, () => {
        const pattern = editorPattern(input!.validation!);
        for (const raw of SAMPLES.filter((s) => accepts(parse, s))) assert.match(raw, pattern, `${name}: the task accepts '${raw}' but the editor would not`);
        for (const raw of MACROS) assert.match(raw, pattern, `${name}: a variable '${raw}' would be refused`);
      });

      it(`${name}: the editor catches typos (${typos.length})`, () => {
        const pattern = editorPattern(input!.validation!);
        for (const raw of typos) {
          assert.doesNotMatch(raw, pattern, `${name}: '${raw}' passes the editor`);
          assert.equal(accepts(parse, raw), false, `${name}: the task accepts the typo '${raw}'`);
        }
      });
    }
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

    it('package.json engines asks for the Node version README\'s Quick start names', () => {
      const stated = /Node\.js (\d+\.\d+) or later/.exec(read('README.md'))?.[1];
      assert.ok(stated, 'README names no "Node.js <x.y> or later"');
      assert.equal(readJson<{ engines: { node: string } }>('package.json').engines.node, `>=${stated}`);
    });

    it('the changelog ships as the extension\'s changelog', () => {
      assert.equal(manifest.content?.changelog?.path, 'CHANGELOG.md');
      assert.ok(existsSync(path.join(root, 'CHANGELOG.md')));
    });

    it('task.json: helpUrl is this extension\'s documentation; the category is Deploy', () => {
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
      const texts = [read('vss-extension.json'), ...readdirSync(path.join(root, 'tasks')).filter((f) => existsSync(path.join(root, 'tasks', f, 'task.json'))).map((f) => read(`tasks/${f}/task.json`))];
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
        for (const [, target, anchor] of read(file).matchAll(/\]\(([\w-]+\.md)#([\w-]+)\)/g)) assert.ok(anchors(target).has(anchor), `${file}: ${target} has no heading for #${anchor}`);
      }
    });
  });
});
