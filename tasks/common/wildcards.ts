/**
 * Wildcard patterns (`*` any text, `?` one character), case-insensitive, matched in time linear
 * in the text. A regular expression built from a pattern (`.*A.*-.*B.*`) backtracks: each `*`
 * multiplies the work, and a few hundred long names from LCS took minutes. Here each pattern is
 * split at its stars; the first and last pieces are compared at the ends of the text, and each
 * piece in between is found at its leftmost place with a bit-parallel automaton (Shift-And)
 * that reads every character of the text once.
 *
 * Matches are those of the regular expression the task used before (`^(?:p1|p2)$`, flags `is`):
 * `?` is one UTF-16 code unit, line breaks included, and case is folded per code unit as
 * JavaScript's non-Unicode `i` flag does it.
 */

const WILDCARD = -1;

/** Per code unit, as the `i` flag without `u` (ECMAScript Canonicalize): upper case, if it stays one code unit and does not turn non-ASCII into ASCII. */
const folded = new Uint16Array(65536);
const known = new Uint8Array(65536);

function fold(unit: number): number {
  if (unit < 128) {
    return unit >= 97 && unit <= 122 ? unit - 32 : unit;
  }
  if (!known[unit]) {
    const upper = String.fromCharCode(unit).toUpperCase();
    const cu = upper.length === 1 ? upper.charCodeAt(0) : unit;
    folded[unit] = cu < 128 ? unit : cu;
    known[unit] = 1;
  }
  return folded[unit];
}

/** A piece of a pattern between stars: folded code units, WILDCARD for `?`. */
class Piece {
  readonly units: Int32Array;
  private readonly words: number;
  /** Shift-And masks: bit j set where the piece accepts the unit at position j. */
  private readonly masks = new Map<number, Uint32Array>();
  private readonly wildcardMask: Uint32Array;

  constructor(text: string) {
    // Code units, not code points (what iterating a string gives): `?` is one code unit.
    this.units = new Int32Array(text.length);
    for (let j = 0; j < text.length; j++) {
      this.units[j] = text[j] === '?' ? WILDCARD : fold(text.charCodeAt(j));
    }
    this.words = Math.max(1, Math.ceil(text.length / 32));
    this.wildcardMask = new Uint32Array(this.words);
    this.units.forEach((u, j) => {
      if (u === WILDCARD) this.wildcardMask[j >> 5] |= 1 << (j & 31);
    });
    this.units.forEach((u, j) => {
      if (u === WILDCARD) return;
      let mask = this.masks.get(u);
      if (!mask) {
        mask = Uint32Array.from(this.wildcardMask);
        this.masks.set(u, mask);
      }
      mask[j >> 5] |= 1 << (j & 31);
    });
  }

  get length(): number {
    return this.units.length;
  }

  /** Whether the piece matches the text at `at` (which leaves room for it). */
  matchesAt(text: string, at: number): boolean {
    for (let j = 0; j < this.units.length; j++) {
      const u = this.units[j];
      if (u !== WILDCARD && u !== fold(text.charCodeAt(at + j))) {
        return false;
      }
    }
    return true;
  }

  /** The leftmost place in [from, to) where the whole piece fits and matches, or -1. */
  find(text: string, from: number, to: number): number {
    const m = this.units.length;
    if (m === 0) {
      return from;
    }
    const state = new Uint32Array(this.words);
    const lastWord = (m - 1) >> 5;
    const lastBit = (m - 1) & 31;
    for (let i = from; i < to; i++) {
      const mask = this.masks.get(fold(text.charCodeAt(i))) ?? this.wildcardMask;
      // Shift the state one place (a new candidate starts at every position) and keep what the unit allows.
      let carry = 1;
      for (let w = 0; w < this.words; w++) {
        const next = state[w] >>> 31;
        state[w] = ((state[w] << 1) | carry) & mask[w];
        carry = next;
      }
      if ((state[lastWord] >>> lastBit) & 1) {
        return i - m + 1;
      }
    }
    return -1;
  }
}

/** One pattern as a test of a whole text. */
function compilePattern(pattern: string): (text: string) => boolean {
  const pieces = pattern.split('*').map((p) => new Piece(p));
  const first = pieces[0];
  if (pieces.length === 1) {
    return (text) => text.length === first.length && first.matchesAt(text, 0);
  }
  const last = pieces[pieces.length - 1];
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0);
  return (text) => {
    const end = text.length - last.length;
    if (end < first.length || !first.matchesAt(text, 0) || !last.matchesAt(text, end)) {
      return false;
    }
    // Leftmost first: any later place for a piece leaves less room for the pieces after it.
    let at = first.length;
    for (const piece of middle) {
      const found = piece.find(text, at, end);
      if (found < 0) {
        return false;
      }
      at = found + piece.length;
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
