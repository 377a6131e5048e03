/**
 * The wildcard matcher gives the same answers as the regular expression the task used before
 * (kept here as the reference), without its backtracking: the pathological filter below ran for
 * minutes with the regular expression (measure it: npm run bench:hostile).
 */
import { strict as assert } from 'node:assert';
import { compileWildcards } from '../../tasks/common/backups/wildcards';

/** The matcher of LcsDatabaseBackups 1.0.0: one regular expression, `.*` per star. */
function regexMatcher(patterns: string[]): (text: string) => boolean {
  const source = patterns.map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|');
  const regex = new RegExp(`^(?:${source})$`, 'is');
  return (text) => regex.test(text);
}

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
const ALPHABET = ['a', 'A', 'b', 'B', '-', '.', '(', ' ', '\n', 'ß', 'ẞ', 'ſ', 's', 'S', 'K', 'k', '\u212a', 'İ', 'i', 'I', 'ı', 'ς', 'σ', 'Σ', '\ud83d', '\ude00', 'é', 'É'];

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
