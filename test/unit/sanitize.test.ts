import { strict as assert } from 'node:assert';
import { escapeMarkdown, neutralize } from '../../tasks/common/text/sanitize';

// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /[\r\n\u2028\u2029\u0085\u000b\u000c]/;

function assertNoCommand(text: string): void {
  assert.doesNotMatch(text, /##vso\[/i, `agent command survived: ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, /##\[/, `formatting marker survived: ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, LINE_BREAKS, `line break survived: ${JSON.stringify(text)}`);
}

/** Pipes not preceded by an odd number of backslashes. */
function unescapedPipes(text: string): number {
  return (text.match(/(?<!\\)(?:\\\\)*\|/g) ?? []).length;
}

describe('sanitize', () => {
  describe('neutralize', () => {
    it('returns an empty string for null and undefined', () => {
      assert.equal(neutralize(null), '');
      assert.equal(neutralize(undefined), '');
    });

    it('passes ordinary text through unchanged', () => {
      assert.equal(neutralize('UAT backup 2026-01-01 (copy) #1 [ok]'), 'UAT backup 2026-01-01 (copy) #1 [ok]');
      assert.equal(neutralize('Ünïcødé ✓'), 'Ünïcødé ✓');
    });

    it('turns non-strings into text', () => {
      assert.equal(neutralize(42), '42');
      assert.equal(neutralize(false), 'false');
    });

    const commands = [
      '##vso[task.setvariable variable=X]y',
      'backup ##vso[task.setvariable variable=X]y',
      'prefix text ##vso[task.setvariable variable=X;isOutput=true]y and more',
      '##VSO[task.setvariable variable=X]y',
      'x ##Vso[task.complete result=Failed;]done',
      '##vso[task.setvariable variable=A]1 ##vso[task.setvariable variable=B]2',
      '###vso[task.setvariable variable=X]y',
      '##vso[##vso[task.setvariable variable=X]y',
      '##[error]fake error',
      'text ##[section]fake section',
      '##[group]x##[endgroup]',
      '###[warning]x',
    ];
    for (const command of commands) {
      it(`neutralizes ${JSON.stringify(command)}`, () => {
        const out = neutralize(command);
        assertNoCommand(out);
        assert.ok(out.length > 0);
      });
    }

    it('keeps the rest of the text readable', () => {
      assert.match(neutralize('a ##vso[task.setvariable variable=X]y'), /^a ##.?vso\[task\.setvariable variable=X\]y$/i);
    });

    it('defeats a command hidden behind a line break', () => {
      for (const sep of ['\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c']) {
        const out = neutralize(`innocent name${sep}##vso[task.setvariable variable=X]y`);
        assertNoCommand(out);
      }
    });

    it('removes control characters: CR, LF, ESC, NUL, DEL, C1', () => {
      const out = neutralize('a\rb\nc\u001b[31md\u0000e\u007ff\u009bg\u2028h\u2029i\tj');
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      assert.match(out, /^a b c \[31md e f g h i j$/);
    });

    // Trojan Source (CVE-2021-42574) and friends: a name that reads differently from what it is.
    const invisible: [string, string][] = [
      ['\u202e', 'right-to-left override'],
      ['\u202a', 'left-to-right embedding'],
      ['\u202b', 'right-to-left embedding'],
      ['\u202c', 'pop directional formatting'],
      ['\u202d', 'left-to-right override'],
      ['\u2066', 'left-to-right isolate'],
      ['\u2067', 'right-to-left isolate'],
      ['\u2068', 'first strong isolate'],
      ['\u2069', 'pop directional isolate'],
      ['\u200e', 'left-to-right mark'],
      ['\u200f', 'right-to-left mark'],
      ['\u061c', 'Arabic letter mark'],
      ['\u200b', 'zero-width space'],
      ['\u200c', 'zero-width non-joiner'],
      ['\u200d', 'zero-width joiner'],
      ['\u2060', 'word joiner'],
      ['\ufeff', 'zero-width no-break space (BOM)'],
      ['\u180e', 'Mongolian vowel separator'],
      ['\u{e0041}', 'tag character'],
    ];
    for (const [char, label] of invisible) {
      it(`shows the ${label} as a visible code instead of passing it on`, () => {
        const out = neutralize(`invoice${char}fdp.bacpac`);
        assert.ok(!out.includes(char), JSON.stringify(out));
        assert.doesNotMatch(out, /\p{Cf}/u);
        assert.equal(out, `invoice<U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>fdp.bacpac`);
      });
    }

    it('does not let invisible characters hide or assemble a marker', () => {
      for (const raw of ['##\u200bvso[task.setvariable variable=X]y', '#\u202e#vso[x]', '##vso\u2060[x]', '##\ufeff[error]x']) {
        assertNoCommand(neutralize(raw));
      }
    });

    it('does not let removing control characters assemble a marker', () => {
      for (const raw of ['##\nvso[task.setvariable variable=X]y', '#\u0000#vso[x]', '##\u001b[error]', '##vso\r[x]']) {
        assertNoCommand(neutralize(raw));
      }
    });

    it('truncates to the maximum length with an ellipsis', () => {
      const out = neutralize('x'.repeat(1000));
      assert.equal(out.length, 400);
      assert.ok(out.endsWith('…'));
      const short = neutralize('abcdefghij', 5);
      assert.equal(short, 'abcd…');
      assert.equal(neutralize('abcde', 5), 'abcde');
    });

    it('truncates after neutralizing, so a long command stays neutral', () => {
      const out = neutralize(`${'y'.repeat(10)}##vso[task.setvariable variable=X]${'z'.repeat(500)}`, 30);
      assert.equal(out.length, 30);
      assertNoCommand(out);
    });
  });

  describe('escapeMarkdown', () => {
    it('returns an empty string for null and undefined', () => {
      assert.equal(escapeMarkdown(null), '');
      assert.equal(escapeMarkdown(undefined), '');
    });

    it('leaves letters, digits and spaces alone', () => {
      assert.equal(escapeMarkdown('UAT backup 2026 01'), 'UAT backup 2026 01');
    });

    it('stops GFM autolinks: URLs, www. hosts and e-mail addresses', () => {
      assert.equal(escapeMarkdown('see https://evil.example/x'), 'see https\\://evil.example/x');
      assert.equal(escapeMarkdown('WWW.evil.example'), 'WWW\\.evil.example');
      assert.equal(escapeMarkdown('me@evil.example'), 'me\\@evil.example');
    });

    it('escapes pipes so a cell cannot be split', () => {
      const out = escapeMarkdown('a | b || c');
      assert.equal(unescapedPipes(out), 0);
      assert.equal(out, 'a \\| b \\|\\| c');
    });

    it('escapes a backslash before a pipe so the pipe stays escaped', () => {
      const out = escapeMarkdown('a\\|b\\\\|c');
      assert.equal(unescapedPipes(out), 0);
    });

    it('escapes links and images', () => {
      const link = escapeMarkdown('[x](http://e)');
      assert.doesNotMatch(link, /(?<!\\)\[/);
      assert.doesNotMatch(link, /(?<!\\)\]\(/);
      assert.equal(link, '\\[x\\]\\(http\\://e\\)');
      const image = escapeMarkdown('![img](https://evil.example/p.png)');
      assert.doesNotMatch(image, /(?<!\\)!(?<!\\)\[/);
      assert.doesNotMatch(image, /(?<!\\)\]\(/);
    });

    it('escapes HTML', () => {
      const out = escapeMarkdown('<img src=x onerror=alert(1)>');
      assert.doesNotMatch(out, /(?<!\\)</);
      assert.doesNotMatch(out, /(?<!\\)>/);
      assert.doesNotMatch(escapeMarkdown('&lt;script&gt;'), /(?<!\\)&/);
    });

    it('escapes emphasis, code and headings', () => {
      const out = escapeMarkdown('*bold* _it_ `code` # head ~~strike~~');
      for (const c of ['*', '_', '`', '#', '~']) {
        const unescaped = new RegExp(`(?<!\\\\)\\${c}`);
        assert.doesNotMatch(out, unescaped, `${c} in ${out}`);
      }
    });

    it('neutralizes agent commands and line breaks first', () => {
      const out = escapeMarkdown('x\n##vso[task.setvariable variable=X]y\r\n| a |');
      assert.doesNotMatch(out, /##vso\[/i);
      assert.doesNotMatch(out, LINE_BREAKS);
      assert.equal(unescapedPipes(out), 0);
    });

    it('truncates long text', () => {
      const out = escapeMarkdown('a'.repeat(500));
      assert.equal(out, `${'a'.repeat(199)}…`);
    });
  });
});
