/**
 * The wildcard matcher gives the same answers as the regular expression the task used before
 * (kept here as the reference), without its backtracking: the pathological filter below ran for
 * minutes with the regular expression (measure it: npm run bench:hostile).
 */
import { strict as assert } from 'node:assert';
import { compileWildcards } from '../../tasks/common/backups/wildcards';
import { regexMatcher } from '../support/regexMatcher';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Letters whose case folding is special: ß and ſ and the Kelvin sign, dotted and dotless i,
// final sigma, a surrogate pair; line breaks; regex metacharacters.
const ALPHABET = [
  'a',
  'A',
  'b',
  'B',
  '-',
  '.',
  '(',
  ' ',
  '\n',
  'ß',
  'ẞ',
  'ſ',
  's',
  'S',
  'K',
  'k',
  '\u212a',
  'İ',
  'i',
  'I',
  'ı',
  'ς',
  'σ',
  'Σ',
  '\ud83d',
  '\ude00',
  'é',
  'É',
];

function word(next: () => number, maxLength: number, extra: string[] = []): string {
  const letters = [...ALPHABET, ...extra];
  const length = Math.floor(next() * (maxLength + 1));
  let text = '';
  for (let i = 0; i < length; i++) text += letters[Math.floor(next() * letters.length)];
  return text;
}

describe('wildcards', () => {
  it('agrees with the regular expression of 1.0.0 on 20,000 random patterns and texts', () => {
    const next = random(20261129);
    for (let i = 0; i < 20_000; i++) {
      const patterns = Array.from({ length: 1 + Math.floor(next() * 2) }, () => word(next, 6, ['*', '*', '?']));
      const text = word(next, 10);
      const expected = regexMatcher(patterns)(text);
      assert.equal(compileWildcards(patterns)!(text), expected, `patterns ${JSON.stringify(patterns)}, text ${JSON.stringify(text)}`);
    }
  });

  it('agrees when the text is built to match: pieces of the pattern with other text in between', () => {
    const next = random(7);
    for (let i = 0; i < 5_000; i++) {
      const pattern = word(next, 8, ['*', '*', '*', '?']);
      const text = pattern.replace(/\*/g, () => word(next, 3)).replace(/\?/g, () => ALPHABET[Math.floor(next() * ALPHABET.length)]);
      assert.equal(compileWildcards([pattern])!(text), regexMatcher([pattern])(text), `pattern ${JSON.stringify(pattern)}, text ${JSON.stringify(text)}`);
    }
  });

  it('handles long pieces with ? inside', () => {
    const long = 'UAT-golden-copy-before-upgrade-to-10.0.40-for-testing';
    const match = compileWildcards([`*${long.replace(/o/g, '?')}*`])!;
    assert.equal(match(`x${long}y`), true);
    assert.equal(match(`${long.toUpperCase()}`), true);
    assert.equal(match(long.slice(0, -1)), false);
    assert.equal(match(`${'UAT-golden-copy-'.repeat(40)}${long}`), true);
  });

  // The regular expression of 1.0.0 takes about 0.8 s for each of these names (cubic in the
  // length): more than two minutes in all, so this test fails on its timeout there.
  it('a filter like *A*-*B* on a few hundred long names that do not match: the right answer (the regular expression backtracked for minutes)', function () {
    this.timeout(10_000);
    const match = compileWildcards(['*A*-*B*'])!;
    const names = Array.from({ length: 200 }, (_, i) => `${'A-'.repeat(1000)}${i}`);
    assert.equal(names.filter(match).length, 0);
    assert.equal(match(`${'A-'.repeat(2000)}B`), true);
    assert.equal(match(`${'a-'.repeat(2000)}b`), true);
  });

  it('a piece with ? against a long repetitive name: the right answer', () => {
    const match = compileWildcards(['*a?a?a?a?b*'])!;
    assert.equal(match('a'.repeat(100_000)), false);
    assert.equal(match(`${'a'.repeat(100_000)}xaxaxab`), false);
    assert.equal(match(`${'a'.repeat(100_000)}b`), true);
  });
});

describe('wildcards: compileWildcards', () => {
  it('returns undefined for an empty list (no filter)', () => {
    assert.equal(compileWildcards([]), undefined);
  });

  it('matches the whole text, not a part of it', () => {
    const match = compileWildcards(['UAT'])!;
    assert.equal(match('UAT'), true);
    assert.equal(match('UAT2'), false);
    assert.equal(match('xUAT'), false);
  });

  it('* matches any text, including none', () => {
    const match = compileWildcards(['UAT*'])!;
    assert.equal(match('UAT'), true);
    assert.equal(match('UAT-2026-01-01'), true);
    assert.equal(match('PreUAT'), false);
    assert.equal(compileWildcards(['*'])!(''), true);
    assert.equal(compileWildcards(['*db*'])!('my-db-copy'), true);
  });

  it('? matches exactly one character', () => {
    const match = compileWildcards(['QA-?'])!;
    assert.equal(match('QA-1'), true);
    assert.equal(match('QA-'), false);
    assert.equal(match('QA-12'), false);
  });

  it('* and ? match across line breaks too', () => {
    assert.equal(compileWildcards(['a*b'])!('a\nb'), true);
    assert.equal(compileWildcards(['a?b'])!('a\nb'), true);
  });

  it('is case-insensitive', () => {
    const match = compileWildcards(['uat*.BACPAC'])!;
    assert.equal(match('UAT-1.bacpac'), true);
    assert.equal(match('Uat-1.BacPac'), true);
  });

  it('treats regular expression metacharacters literally', () => {
    const dot = compileWildcards(['backup.bacpac'])!;
    assert.equal(dot('backup.bacpac'), true);
    assert.equal(dot('backupxbacpac'), false);
    assert.equal(compileWildcards(['copy (1)'])!('copy (1)'), true);
    assert.equal(compileWildcards(['copy (1)'])!('copy 1'), false);
    assert.equal(compileWildcards(['[UAT]*'])!('[UAT] db'), true);
    assert.equal(compileWildcards(['[UAT]*'])!('U db'), false);
    assert.equal(compileWildcards(['a+b'])!('a+b'), true);
    assert.equal(compileWildcards(['a+b'])!('aab'), false);
    assert.equal(compileWildcards(['a|b'])!('a|b'), true);
    assert.equal(compileWildcards(['a|b'])!('a'), false);
    assert.equal(compileWildcards(['^$'])!('^$'), true);
    assert.equal(compileWildcards(['a{2}'])!('a{2}'), true);
    assert.equal(compileWildcards(['a{2}'])!('aa'), false);
    assert.equal(compileWildcards(['c:\\db\\*'])!('c:\\db\\x'), true);
  });

  it('does not let an unbalanced bracket or parenthesis throw', () => {
    assert.doesNotThrow(() => compileWildcards(['(', '[', ')', ']', '\\']));
    assert.equal(compileWildcards(['('])!('('), true);
    assert.equal(compileWildcards(['\\'])!('\\'), true);
  });

  it('matches when any of several patterns matches', () => {
    const match = compileWildcards(['UAT*', 'QA*', 'golden'])!;
    assert.equal(match('UAT-1'), true);
    assert.equal(match('qa-2'), true);
    assert.equal(match('Golden'), true);
    assert.equal(match('PROD'), false);
  });

  it('keeps patterns apart (no alternation leaks between them)', () => {
    const match = compileWildcards(['a', 'b'])!;
    assert.equal(match('ab'), false);
    assert.equal(match('a'), true);
  });
});
