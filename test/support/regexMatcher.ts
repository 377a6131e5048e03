/**
 * The wildcard matcher of LcsDatabaseBackups 1.0.0: one regular expression, `.*` per star. Kept
 * as the reference the new matcher is compared with (test/unit/wildcards.test.ts) and measured
 * against (scripts/bench-hostile.ts); it backtracks for minutes on a filter like `*A*-*B*`.
 */
export function regexMatcher(patterns: string[]): (text: string) => boolean {
  const source = patterns
    .map((p) =>
      p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.'),
    )
    .join('|');
  const regex = new RegExp(`^(?:${source})$`, 'is');
  return (text) => regex.test(text);
}
