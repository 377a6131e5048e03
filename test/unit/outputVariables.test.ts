import { strict as assert } from 'node:assert';
import { outputsLine, publishOutputs } from '../../tasks/common/platform/outputVariables';
import { FakeHost } from '../support/fakeHost';

const NAMES = ['BackupId', 'FileLocation', 'BackupCount', 'DownloadedFilePath'] as const;

describe('outputVariables', () => {
  describe('publishOutputs', () => {
    it('publishes every value it is given, in the order of the names, secret where asked', () => {
      const host = new FakeHost({ inputs: {} });
      const seen: string[] = [];
      const setOutput = host.setOutput.bind(host);
      host.setOutput = (name, value, isSecret) => {
        seen.push(name);
        setOutput(name, value, isSecret);
      };
      publishOutputs(host, NAMES, { DownloadedFilePath: '/x', BackupCount: '2', FileLocation: 'https://sas', BackupId: 'id' }, { secret: ['FileLocation'] });
      assert.deepEqual(seen, ['BackupId', 'FileLocation', 'BackupCount', 'DownloadedFilePath']);
      assert.deepEqual(host.outputs.get('FileLocation'), { value: 'https://sas', isSecret: true });
      assert.deepEqual(host.outputs.get('BackupId'), { value: 'id', isSecret: false });
    });

    it('publishes only the values given, and lists every name in the line', () => {
      const host = new FakeHost({ inputs: {} });
      publishOutputs(host, NAMES, { BackupCount: '' });
      assert.deepEqual([...host.outputs.keys()], ['BackupCount']);
      assert.deepEqual(
        host.lines.map((l) => l.text),
        ['Output variables: BackupId, FileLocation, BackupCount, DownloadedFilePath.'],
      );
    });

    it('publishes an empty value (an output a later step reads as empty)', () => {
      const host = new FakeHost({ inputs: {} });
      publishOutputs(host, NAMES, { BackupId: '' }, { silent: true });
      assert.deepEqual(host.outputs.get('BackupId'), { value: '', isSecret: false });
    });

    it('writes no line when silent', () => {
      const host = new FakeHost({ inputs: {} });
      publishOutputs(host, ['OperationActivityId'], { OperationActivityId: 'a1' }, { silent: true });
      assert.equal(host.outputs.get('OperationActivityId')?.value, 'a1');
      assert.deepEqual(host.lines, []);
    });
  });

  describe('outputsLine', () => {
    it('marks secrets, shows chosen values and leaves out the unlisted', () => {
      const line = outputsLine(NAMES, { BackupCount: '3' }, { secret: ['FileLocation'], withValue: ['BackupCount'], unlisted: ['DownloadedFilePath'] });
      assert.equal(line, 'Output variables: BackupId, FileLocation (secret), BackupCount = 3.');
    });

    it('never shows a secret value, even when asked to show it', () => {
      const line = outputsLine(NAMES, { FileLocation: 'https://sas' }, { secret: ['FileLocation'], withValue: ['FileLocation'] });
      assert.ok(!line.includes('https://sas'), line);
    });

    it('neutralizes a shown value (no agent command through the line)', () => {
      const line = outputsLine(['BackupCount'], { BackupCount: '1\n##vso[task.complete result=Failed]' }, { withValue: ['BackupCount'] });
      assert.ok(!line.includes('\n') && !line.includes('##vso['), line);
    });
  });
});
