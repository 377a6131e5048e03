/**
 * No document tells users to paste a task output into script text. Scans overview.md (the
 * Marketplace page), README.md, CHANGELOG.md, every task.json and vss-extension.json, and the
 * summary tab's text, with test/support/docScan.ts; the scanner itself is tested on bad samples
 * so this test can fail.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot, taskFolders as repoTaskFolders } from '../support/repo';
import { Finding, formatFindings, jsonStrings, scanMarkdown, yamlScriptLines } from '../support/docScan';
import { toDatabaseAsset } from '../../tasks/common/lcs/databaseAssets';
import { summaryMarkdown } from '../../tasks/LcsDatabaseBackupsV1/report';
import { selectBackup } from '../../tasks/common/backups/backupSelection';

const root = findRepoRoot(__dirname);
const taskFolders = repoTaskFolders(root);
const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;
/** Every output of every task: a macro naming any of them counts. */
const OUTPUTS = [...new Set(taskFolders.flatMap((f) => ((readJson(`tasks/${f}/task.json`).outputVariables ?? []) as { name: string }[]).map((o) => o.name)))];

const scan = (markdown: string, source = 'sample.md'): Finding[] => scanMarkdown(markdown, source, OUTPUTS);
const yaml = (body: string): string => `\`\`\`yaml\n${body}\n\`\`\``;

describe('docs: task outputs reach scripts only through env:', () => {
  describe('the scanner finds what it must (so the checks below can fail)', () => {
    const BAD: [string, string][] = [
      ['a script: one-liner', yaml('- script: echo "Restoring $(lcs.BackupName)"')],
      [
        'a pwsh: block (the old README example)',
        yaml(
          '- pwsh: |\n    Invoke-WebRequest -Uri $env:BACKUP_URL -OutFile "$(Agent.TempDirectory)/$(lcs.BackupFileName)"\n  env:\n    BACKUP_URL: $(lcs.FileLocation)',
        ),
      ],
      ['a bash: block', yaml('- bash: |\n    set -e\n    curl -o x "$(find.FileLocation)"')],
      ['a powershell: step', yaml('- powershell: Write-Host $(lcs.BackupId)')],
      [
        "a task's inlineScript:",
        yaml('- task: AzureCLI@2\n  inputs:\n    scriptType: bash\n    inlineScript: |\n      az storage blob copy start --source-uri "$(lcs.FileLocation)"'),
      ],
      ["a task's arguments:", yaml('- task: PowerShell@2\n  inputs:\n    filePath: restore.ps1\n    arguments: -Name $(lcs.BackupName)')],
      ['a folded arguments: block', yaml('  arguments: >-\n    -Id\n    $(lcs.BackupId)')],
      ['the macro in another case', yaml('- script: echo $(LCS.backupname)')],
      [
        'a variable mapped from an output, pasted into a script',
        yaml(
          '- job: restore\n  variables:\n    backupName: $[ dependencies.find.outputs[\'lcs.BackupName\'] ]\n  steps:\n  - script: echo "Backup $(backupName)"',
        ),
      ],
      ['a bash code block', '```bash\ncurl -o backup.bacpac "$(lcs.FileLocation)"\n```'],
      ['an unlabelled code block', '```\nWrite-Host $(lcs.BackupId)\n```'],
      ['inline code that is a command', 'Then run `echo $(lcs.BackupName)` in a script.'],
      ['inline code with a script key', 'e.g. `script: $(lcs.BackupName)`'],
      ['a summary-style table cell with a command', '| same job | `Write-Host $(lcs.BackupId)` |'],
      ['markdown fenced inside markdown', '```markdown\nRun `echo $(lcs.BackupCount)`\n```'],
    ];
    for (const [what, sample] of BAD) {
      it(`flags ${what}`, () => {
        assert.ok(scan(sample).length > 0, `not flagged:\n${sample}`);
      });
    }

    const GOOD: [string, string][] = [
      [
        'env: mappings under a script step',
        yaml('- pwsh: Write-Host "Restoring $env:BACKUP_NAME"\n  env:\n    BACKUP_NAME: $(lcs.BackupName)\n    BACKUP_URL: $(lcs.FileLocation)'),
      ],
      [
        'variables: mappings from another job',
        yaml("variables:\n  backupId: $[ dependencies.find.outputs['lcs.BackupId'] ]\n  backupUrl: $[ dependencies.find.outputs['lcs.FileLocation'] ]"),
      ],
      ['a task input', yaml('- task: LcsDatabaseBackups@1\n  inputs:\n    backupId: $(lcs.BackupId)')],
      ['a condition', yaml("  condition: ne(variables['lcs.BackupCount'], '0')")],
      ['a bare reference in prose', 'The outputs are `$(lcs.BackupId)` and `$(lcs.FileLocation)`.'],
      ['an inline env: mapping', 'Map it: `env: { BACKUP_URL: $(lcs.FileLocation) }` or `BACKUP_ID: $(lcs.BackupId)`.'],
      ['system variables in script text', yaml('- bash: echo "$(Agent.TempDirectory)" "$(Build.BuildId)"')],
    ];
    for (const [what, sample] of GOOD) {
      it(`accepts ${what}`, () => {
        assert.deepEqual(scan(sample), []);
      });
    }

    it('ends a script block at the next key of the same step', () => {
      const lines = ['- pwsh: |', '    Write-Host "x"', '', '    Write-Host "y"', '  env:', '    A: $(lcs.BackupId)'];
      assert.deepEqual(
        yamlScriptLines(lines).map(([i]) => i),
        [0, 1, 2, 3],
      );
    });

    it('knows the outputs of every task folder', () => {
      assert.ok(OUTPUTS.includes('BackupName') && OUTPUTS.includes('FileLocation'), OUTPUTS.join(', '));
    });
  });

  for (const file of ['overview.md', 'README.md', 'CHANGELOG.md']) {
    it(`${file}: no output macro in script text, arguments or shell code`, () => {
      const findings = scan(readFileSync(path.join(root, file), 'utf8'), file);
      assert.deepEqual(findings, [], formatFindings(findings));
    });
  }

  for (const file of [...taskFolders.map((f) => `tasks/${f}/task.json`), 'vss-extension.json']) {
    it(`${file}: no help text or description invites pasting an output into a script`, () => {
      const findings = jsonStrings(readJson(file)).flatMap(([where, text]) => scan(text, `${file} ${where}`));
      assert.deepEqual(findings, [], formatFindings(findings));
    });
  }

  it('the summary tab shows outputs only as env:/variables: mappings', () => {
    const asset = toDatabaseAsset({
      Id: 'ee749be5-7504-4b03-81cc-1daad9cb11c2',
      Name: 'UAT',
      FileName: 'uat.bacpac',
      FileLocation: 'https://x.blob.core.windows.net/c/b?sig=s',
      CreatedDateTime: '2026-11-28T03:00:00',
    });
    const criteria = { namePatterns: [], fileNamePatterns: [], newestBy: 'created' as const };
    for (const fileLocationIsSecret of [true, false]) {
      const md = summaryMarkdown({
        projectId: 1,
        apiHost: 'lcsapi.lcs.dynamics.com',
        selection: selectBackup([asset], criteria),
        criteria,
        now: Date.UTC(2026, 10, 29),
        fileLocationIsSecret,
      });
      const findings = scan(md, 'summary tab');
      assert.deepEqual(findings, [], formatFindings(findings));
      assert.match(md, /only through `env:`/);
    }
  });
});
