/**
 * Wildcard patterns (`*` any text, `?` one character), case-insensitive. One regular expression
 * for a whole pattern (`^.*A.*-.*B.*$`) backtracks: each `*` multiplies the work, and a few
 * hundred long names from LCS took minutes. Here a pattern is split at its stars and each piece
 * between them, which has a fixed length, is its own small regular expression: the first is
 * tried at the start of the text, the last at its end, and each one in between at its leftmost
 * place after the one before. Leftmost is always right (a later place only leaves less room for
 * the pieces after it), so no piece is ever tried twice and the time stays linear in the text
 * for a given pattern.
 *
 * Matches are those of the regular expression the task used before (`^(?:p1|p2)$`, flags `is`),
 * because each piece is matched by the same engine with the same flags: `?` is one UTF-16 code
 * unit, line breaks included, and case is folded as JavaScript's non-Unicode `i` flag does it.
 */

/** A piece between stars as a regular expression: `?` any one code unit, the rest literal. */
function pieceSource(piece: string): string {
  return piece.replace(/[.*+^${}()|[\]\\]/g, '\\$&').replace(/\?/g, '[\\s\\S]');
}

/** One pattern as a test of a whole text. */
function compilePattern(pattern: string): (text: string) => boolean {
  const [firstText = '', ...middleTexts] = pattern.split('*');
  const lastText = middleTexts.pop();
  if (lastText === undefined) {
    const whole = new RegExp(`^${pieceSource(pattern)}$`, 'i');
    return (text) => whole.test(text);
  }
  // Every piece is as long as its source (one code unit per character or `?`).
  const first = { regex: new RegExp(pieceSource(firstText), 'iy'), length: firstText.length };
  const last = { regex: new RegExp(pieceSource(lastText), 'iy'), length: lastText.length };
  const middle = middleTexts.filter((p) => p.length > 0).map((p) => ({ regex: new RegExp(pieceSource(p), 'ig'), length: p.length }));
  const matchesAt = (piece: { regex: RegExp }, text: string, at: number): boolean => {
    piece.regex.lastIndex = at;
    return piece.regex.test(text);
  };
  return (text) => {
    const end = text.length - last.length;
    if (end < first.length || !matchesAt(first, text, 0) || !matchesAt(last, text, end)) {
      return false;
    }
    let at = first.length;
    for (const piece of middle) {
      piece.regex.lastIndex = at;
      const found = piece.regex.exec(text);
      if (!found || found.index + piece.length > end) {
        return false;
      }
      at = found.index + piece.length;
    }
    return true;
  };
}

/** Compiles wildcard patterns (`*` any text, `?` one character), case-insensitive, any may match. */
export function compileWildcards(patterns: string[]): ((text: string) => boolean) | undefined {
  if (patterns.length === 0) {
    return undefined;
  }
  const tests = patterns.map(compilePattern);
  return (text) => tests.some((test) => test(text));
}
