// Checks the packaged extension (the VSIX that would be uploaded), not the sources:
// `npm run package && npm run test:package`. VSIX_PATH=<file> checks a specific VSIX;
// otherwise the newest dist/*.vsix is used.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import JSZip from 'jszip';
import { findRepoRoot, taskFolders } from '../support/repo';

// Every task has these (tasks/common/lcs/connection.ts reads them); the rest comes from each
// task's own task.json in the repository, so a new task folder needs no change here.
const CONNECTION_INPUTS = ['connectionType', 'lcsConnection', 'finOpsToolsConnection', 'projectId', 'requestTimeoutSeconds', 'retryBudgetSeconds'];
const REQUIRED_HANDLERS = ['Node20_1', 'Node24'];
const ALLOWED_HANDLERS = ['Node24', 'Node20_1', 'Node16', 'Node10', 'Node', 'PowerShell3', 'PowerShell'];
const ENDPOINT_TYPES = ['connectedService:lcsdatabasemovement', 'connectedService:lcsserviceendpoint'];
/** Other connection types a task may take besides the LCS ones (LcsDatabaseBackupCopy@1: its storage). */
const OTHER_ENDPOINT_TYPES = ['connectedService:AzureRM'];
/** Inputs the editor validates before the run (task.json `validation`), so typos show while editing. */
const VALIDATED_INPUTS = [
  'projectId',
  'backupId',
  'maxAgeDays',
  'requestTimeoutSeconds',
  'retryBudgetSeconds',
  'downloadConnections',
  'environmentId',
  'sourceEnvironmentId',
  'targetEnvironmentId',
  'operationActivityId',
  'timeoutMinutes',
  'pollIntervalSeconds',
];
const MAX_BYTES = 1024 * 1024;
const TARGET_BYTES = 300 * 1024; // the bench's goal; reported, not enforced

interface TaskJson {
  id: string;
  name: string;
  category?: string;
  helpUrl?: string;
  version: { Major: number; Minor: number; Patch: number };
  inputs?: { name: string; type: string; validation?: { expression: string; message: string } }[];
  outputVariables?: { name: string }[];
  execution?: Record<string, { target: string }>;
}

function findVsix(root: string): string {
  const fromEnv = process.env.VSIX_PATH;
  if (fromEnv) {
    const p = path.resolve(root, fromEnv);
    if (!existsSync(p)) throw new Error(`VSIX_PATH=${fromEnv}: no such file`);
    return p;
  }
  const dist = path.join(root, 'dist');
  const candidates = existsSync(dist)
    ? readdirSync(dist)
        .filter((f) => f.toLowerCase().endsWith('.vsix'))
        .map((f) => path.join(dist, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  if (candidates.length === 0) {
    throw new Error(`no VSIX in ${dist}: run \`npm run package\` first (or set VSIX_PATH=<file.vsix>)`);
  }
  return candidates[0];
}

/** Width and height from a PNG's IHDR, which must be the first chunk. */
function pngSize(buf: Buffer, name: string): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(buf.length >= 33 && buf.subarray(0, 8).equals(signature), `${name} is not a PNG`);
  assert.equal(buf.toString('ascii', 12, 16), 'IHDR', `${name}: first chunk is not IHDR`);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

const sortedSet = (xs: string[]): string[] => [...new Set(xs)].sort();

describe('VSIX package', function () {
  const root = findRepoRoot();
  let vsixPath: string;
  /** Every entry of the VSIX as stored (folders too, empty), CRC-32 checked. */
  let entries: Map<string, Buffer>;
  let names: string[];
  let vsomanifest: { contributions?: { id: string; type: string; properties?: Record<string, unknown> & { name?: string } }[] };
  let tasks: { folder: string; json: TaskJson }[];

  const has = (name: string): boolean => entries.has(name);
  const text = (name: string): string => {
    const e = entries.get(name);
    assert.ok(e, `${name} is missing from the VSIX`);
    return e.toString('utf8');
  };
  const json = <T>(name: string): T => {
    const raw = text(name).replace(/^\uFEFF/, '');
    try {
      return JSON.parse(raw) as T;
    } catch (err) {
      throw new Error(`${name} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  };

  before(async function () {
    vsixPath = findVsix(root);
    const zip = await JSZip.loadAsync(readFileSync(vsixPath), { checkCRC32: true });
    entries = new Map(await Promise.all(Object.values(zip.files).map(async (e) => [e.name, await e.async('nodebuffer')] as const)));
    names = [...entries.keys()];
    vsomanifest = json('extension.vsomanifest');
    const folders = (vsomanifest.contributions ?? [])
      .filter((c) => c.type === 'ms.vss-distributed-task.task')
      .map((c) => String(c.properties?.name ?? '').replace(/^\/+|\/+$/g, ''));
    tasks = folders.filter((f) => has(`${f}/task.json`)).map((folder) => ({ folder, json: json<TaskJson>(`${folder}/task.json`) }));
    console.log(`      checking ${path.relative(root, vsixPath)} (${names.length} entries)`);
  });

  it('has the extension manifests', function () {
    assert.ok(has('extension.vsixmanifest'), 'extension.vsixmanifest missing');
    assert.ok(has('extension.vsomanifest'), 'extension.vsomanifest missing');
    assert.ok(has('[Content_Types].xml'), '[Content_Types].xml missing');
  });

  it('is small: under 1 MB (bench target 300 KB)', function () {
    const bytes = statSync(vsixPath).size;
    const unpacked = names.reduce((sum, n) => sum + entries.get(n)!.length, 0);
    console.log(
      `      VSIX size: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB, unpacked ${(unpacked / 1024).toFixed(1)} KiB); ` +
        `bench target ${TARGET_BYTES / 1024} KiB: ${bytes <= TARGET_BYTES ? 'met' : 'NOT met'}`,
    );
    assert.ok(bytes < MAX_BYTES, `VSIX is ${bytes} bytes, limit ${MAX_BYTES}`);
  });

  it("README's stated VSIX size is within 10 % of this VSIX", function () {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    // The figure README quotes from `npm run package`: "size: <bytes> bytes (<KiB> KiB)".
    const stated = /^size: ([\d,]+) bytes \([\d.]+ KiB\)$/m.exec(readme)?.[1];
    assert.ok(stated, 'README quotes no "size: <bytes> bytes (<KiB> KiB)" line from npm run package');
    const statedBytes = Number(stated.replace(/,/g, ''));
    const bytes = statSync(vsixPath).size;
    const off = Math.abs(bytes - statedBytes) / bytes;
    assert.ok(
      off <= 0.1,
      `README states a VSIX of ${statedBytes} bytes; this one is ${bytes} (${(off * 100).toFixed(1)} % off): run npm run package and update README's Performance figures`,
    );
  });

  it('contains no sources, source maps, tests or node_modules', function () {
    const offenders = names.filter(
      (n) => /(^|\/)node_modules\//.test(n) || /\.ts$/.test(n) || /\.map$/.test(n) || /(^|\/)tests?\//.test(n) || /(^|\/)\.[^/]+/.test(n), // dot-files (.git, .ci, .tmp, .eslintcache...)
    );
    assert.deepEqual(offenders, [], `unexpected files in the VSIX:\n  ${offenders.join('\n  ')}`);
  });

  it('has at least one task contribution, each pointing at a folder in the VSIX with task.json and icon.png', function () {
    const contributions = (vsomanifest.contributions ?? []).filter((c) => c.type === 'ms.vss-distributed-task.task');
    assert.ok(contributions.length > 0, 'no ms.vss-distributed-task.task contribution');
    for (const c of contributions) {
      const folder = String(c.properties?.name ?? '').replace(/^\/+|\/+$/g, '');
      assert.ok(folder, `contribution ${c.id} has no properties.name`);
      assert.ok(
        names.some((n) => n.startsWith(`${folder}/`)),
        `contribution ${c.id}: folder ${folder}/ is not in the VSIX`,
      );
      assert.ok(has(`${folder}/task.json`), `contribution ${c.id}: ${folder}/task.json missing`);
      assert.ok(has(`${folder}/icon.png`), `contribution ${c.id}: ${folder}/icon.png missing`);
    }
    assert.equal(tasks.length, contributions.length);
  });

  it('task.json: Node20_1 and Node24 handlers whose targets are in the VSIX', function () {
    for (const { folder, json: task } of tasks) {
      const execution = task.execution ?? {};
      for (const h of REQUIRED_HANDLERS) assert.ok(execution[h], `${folder}/task.json: no ${h} handler`);
      for (const [h, exec] of Object.entries(execution)) {
        assert.ok(ALLOWED_HANDLERS.includes(h), `${folder}/task.json: unknown handler ${h} (Node20 is not valid: use Node20_1)`);
        const target = path.posix.normalize(`${folder}/${exec.target.replace(/\\/g, '/')}`);
        assert.ok(has(target), `${folder}/task.json: ${h} target ${target} is not in the VSIX`);
      }
    }
  });

  it('holds every task folder of the repository', function () {
    const repoTasks = taskFolders(root);
    assert.deepEqual(sortedSet(tasks.map((t) => t.folder)), sortedSet(repoTasks.map((f) => `tasks/${f}`)));
  });

  it("task.json: the inputs and output variables are the repository's, with the connection inputs in each", function () {
    for (const { folder, json: task } of tasks) {
      const source = JSON.parse(readFileSync(path.join(root, folder, 'task.json'), 'utf8')) as TaskJson;
      const outputs = (task.outputVariables ?? []).map((o) => o.name);
      assert.deepEqual(
        outputs,
        (source.outputVariables ?? []).map((o) => o.name),
        `${folder}: outputVariables`,
      );
      assert.equal(new Set(outputs).size, outputs.length, `${folder}: duplicate outputVariables`);
      const inputs = (task.inputs ?? []).map((i) => i.name);
      assert.deepEqual(
        inputs,
        (source.inputs ?? []).map((i) => i.name),
        `${folder}: inputs`,
      );
      assert.equal(new Set(inputs).size, inputs.length, `${folder}: duplicate input names`);
      for (const name of CONNECTION_INPUTS) assert.ok(inputs.includes(name), `${folder}: no input ${name}`);
    }
  });

  it('task.json: key rules (name, id, integer version, connection types)', function () {
    for (const { folder, json: task } of tasks) {
      assert.match(task.name, /^[A-Za-z0-9-]+$/, `${folder}: task name`);
      assert.match(task.id, /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, `${folder}: task id`);
      for (const k of ['Major', 'Minor', 'Patch'] as const) {
        assert.ok(Number.isInteger(task.version?.[k]) && task.version[k] >= 0, `${folder}: version.${k} must be a non-negative integer`);
      }
      const suffix = /V(\d+)$/.exec(path.posix.basename(folder));
      assert.ok(suffix, `${folder}: folder must end in V<Major>`);
      assert.equal(task.version.Major, Number(suffix[1]), `${folder}: version.Major must match the folder suffix`);
      const connected = (task.inputs ?? []).filter((i) => i.type.startsWith('connectedService:')).map((i) => i.type.split(':').slice(0, 2).join(':'));
      assert.deepEqual(
        sortedSet(connected.filter((t) => !OTHER_ENDPOINT_TYPES.includes(t))),
        sortedSet(ENDPOINT_TYPES),
        `${folder}: service connection input types`,
      );
    }
  });

  it('task.json validates against tasks.schema.json', function () {
    // test/package/tasks.schema.json: Microsoft's published schema (azure-pipelines-task-lib, MIT).
    const schema = JSON.parse(readFileSync(path.join(root, 'test', 'package', 'tasks.schema.json'), 'utf8'));
    // One known gap: the schema types an input's properties.resizable as boolean, but the service
    // stores input properties as strings and Microsoft's own tasks write "resizable": "true".
    // Accept both spellings rather than push task.json away from the proven form.
    const inputProps = schema.properties.inputs.items.properties.properties.properties;
    assert.equal(inputProps.resizable?.type, 'boolean', 'tasks.schema.json changed: revisit the resizable exception');
    inputProps.resizable = { enum: [true, false, 'true', 'false'] };
    // A second gap: the schema predates input `validation`, which the editor evaluates and
    // Microsoft's tasks use ({ expression: "isMatch(value, ...)", message }). Accept exactly that shape.
    const inputItem = schema.properties.inputs.items.properties;
    assert.equal(inputItem.validation, undefined, 'tasks.schema.json changed: revisit the validation exception');
    inputItem.validation = {
      type: 'object',
      required: ['expression', 'message'],
      additionalProperties: false,
      properties: { expression: { type: 'string', pattern: "^isMatch\\(value, '" }, message: { type: 'string' } },
    };
    // strictSchema: a keyword Ajv does not know throws, so a schema update cannot be half-checked. The
    // schema's patterns are plain RegExp source (\: is not valid with the u flag).
    const validate = new Ajv({ strictSchema: true, strictTypes: false, strictTuples: false, allErrors: true, unicodeRegExp: false }).compile(schema);
    for (const { folder, json: task } of tasks) {
      const errors = validate(task) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
      assert.deepEqual(errors, [], `${folder}/task.json does not match the schema:\n  ${errors.join('\n  ')}`);
    }
  });

  it("task.json: listed under Deploy, help links to this extension's documentation, typo-prone inputs validated in the editor", function () {
    const github = /<Property Id="Microsoft\.VisualStudio\.Services\.Links\.GitHub" Value="([^"]+)"\/>/.exec(text('extension.vsixmanifest'))?.[1];
    assert.ok(github, 'extension.vsixmanifest has no GitHub (repository) link');
    for (const { folder, json: task } of tasks) {
      assert.equal(task.category, 'Deploy', `${folder}: category`);
      assert.ok(task.helpUrl?.startsWith(`${github}/`), `${folder}: helpUrl ${task.helpUrl} is not in ${github}`);
      for (const name of VALIDATED_INPUTS) {
        const input = (task.inputs ?? []).find((i) => i.name === name);
        if (!input) continue;
        assert.match(input.validation?.expression ?? '', /^isMatch\(value, '.+', '\w+'\)$/, `${folder}: ${name} has no validation expression`);
        assert.ok((input.validation?.message ?? '').length > 0, `${folder}: ${name} has no validation message`);
      }
    }
  });

  it('Marketplace: repository, get-started, support and license links, and the changelog as an asset', function () {
    const xml = text('extension.vsixmanifest');
    for (const link of ['GitHub', 'Getstarted', 'Learn', 'Support', 'License']) {
      assert.match(xml, new RegExp(`<Property Id="Microsoft\\.VisualStudio\\.Services\\.Links\\.${link}" Value="https://[^"]+"/>`), `no ${link} link`);
    }
    assert.match(xml, /<Asset Type="Microsoft\.VisualStudio\.Services\.Content\.Changelog" d:Source="File" Path="CHANGELOG\.md"/);
    assert.match(text('CHANGELOG.md'), /^# Changelog/);
  });

  it('the service connection type: an icon in the VSIX, help with a link, apiurl validated as a URI', function () {
    const types = (vsomanifest.contributions ?? []).filter((c) => c.type === 'ms.vss-endpoint.service-endpoint-type');
    assert.ok(types.length > 0, 'no service connection type');
    for (const { id, properties = {} } of types) {
      const icon = String(properties.iconUrl ?? '').replace(/^\/+/, '');
      assert.ok(icon && has(icon), `${id}: iconUrl ${icon || '(none)'} is not in the VSIX`);
      const size = pngSize(entries.get(icon)!, icon);
      assert.ok(size.width === size.height && size.width >= 32, `${id}: icon is ${size.width}x${size.height}`);
      assert.match(String(properties.helpMarkDown ?? ''), /\[[^\]]+\]\(https:\/\/[^)]+\)/, `${id}: helpMarkDown has no link`);
      const descriptors = (properties.inputDescriptors ?? []) as { id: string; validation?: { dataType?: string } }[];
      const apiurl = descriptors.find((d) => d.id === 'apiurl');
      if (apiurl) assert.equal(apiurl.validation?.dataType, 'uri', `${id}: apiurl is not validated as a URI`);
    }
  });

  it('versions agree: package.json = vss-extension.json = VSIX identity = every task.json', function () {
    const pkgVersion = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
    const extVersion = JSON.parse(readFileSync(path.join(root, 'vss-extension.json'), 'utf8')).version as string;
    const identity = /<Identity\b[^>]*\bVersion="([^"]+)"/.exec(text('extension.vsixmanifest'));
    assert.ok(identity, 'extension.vsixmanifest has no <Identity Version=...>');
    assert.equal(extVersion, pkgVersion, 'vss-extension.json version vs package.json (run npm run version:sync)');
    assert.equal(identity[1], pkgVersion, 'VSIX identity version vs package.json (stale VSIX? run npm run package)');
    for (const { folder, json: task } of tasks) {
      const v = `${task.version.Major}.${task.version.Minor}.${task.version.Patch}`;
      assert.equal(v, pkgVersion, `${folder}/task.json version vs package.json`);
    }
  });

  it('icons: extension icon 128x128 PNG, task icons 32x32 PNG', function () {
    const manifestXml = text('extension.vsixmanifest');
    const icon = /<Icon>([^<]+)<\/Icon>/.exec(manifestXml)?.[1] ?? 'images/extension-icon.png';
    const iconName = icon.replace(/^\/+/, '');
    assert.ok(has(iconName), `extension icon ${iconName} is not in the VSIX`);
    assert.deepEqual(pngSize(entries.get(iconName)!, iconName), { width: 128, height: 128 });
    for (const { folder } of tasks) {
      const name = `${folder}/icon.png`;
      assert.deepEqual(pngSize(entries.get(name)!, name), { width: 32, height: 32 });
    }
  });

  it('each task has an icon of its own (the classic task picker tells them apart by it)', function () {
    const seen = new Map<string, string>();
    for (const { folder } of tasks) {
      const png = entries.get(`${folder}/icon.png`)!.toString('base64');
      assert.ok(!seen.has(png), `${folder}/icon.png is the same picture as ${seen.get(png)}/icon.png`);
      seen.set(png, folder);
    }
  });

  it('task bundles are self-contained (task-lib is bundled, not required at run time)', function () {
    for (const { folder, json: task } of tasks) {
      const targets = new Set(Object.values(task.execution ?? {}).map((e) => path.posix.normalize(`${folder}/${e.target}`)));
      for (const t of targets) {
        const code = text(t);
        for (const lib of ['azure-pipelines-task-lib', '@azure/msal-node', 'axios', 'https-proxy-agent']) {
          const external = new RegExp(`require\\(\\s*["'\`]${lib.replace(/[/.]/g, '\\$&')}(["'\`/])`);
          assert.doesNotMatch(code, external, `${t} requires ${lib} at run time, but the VSIX ships no node_modules`);
        }
      }
    }
  });
});
