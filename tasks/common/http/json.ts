/**
 * JSON from a server, read within a memory bound. JSON.parse builds every value of a text at
 * once, and a value can cost far more than its text: `{}` is 3 bytes of text and about 60 bytes
 * of heap, so 16 MiB of `[{},{},...]` took 600 MB and the body cap alone bounds nothing. The
 * values are counted first, in one pass over the text that skips strings with indexOf.
 */

/**
 * The most values one answer may hold. A list of 200,000 backups (the most the task reads, 12
 * values each) has 2.4 million; 3 million values cost at most about 200 MB of heap (`{}`).
 */
export const MAX_JSON_VALUES = 3_000_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** The index of the quote that closes the string opened at `start`, or the text's length. */
function endOfString(text: string, start: number): number {
  let at = start;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) {
      return text.length;
    }
    // Escaped when an odd number of backslashes stands before it; each run is read once.
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return at;
    }
  }
}

/** Whether the container opened at `at` holds anything: its next character that is not a blank does not close it. */
function holdsSomething(text: string, at: number): boolean {
  let next = at + 1;
  while (next < text.length && /\s/.test(text.charAt(next))) {
    next++;
  }
  const c = text.charCodeAt(next);
  return c !== CLOSE_BRACE && c !== CLOSE_BRACKET;
}

/**
 * The number of values JSON.parse would build from `text`, object keys not counted (they are
 * shared): the value itself, the first value in each container that is not empty, and one
 * after each comma, all outside strings. Stops counting once above `limit`. For text that is
 * not JSON the number means little; JSON.parse rejects such text anyway.
 */
export function jsonValueCount(text: string, limit: number = MAX_JSON_VALUES): number {
  let count = 1;
  for (let i = 0; i < text.length && count <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
    } else if (c === COMMA || ((c === OPEN_BRACE || c === OPEN_BRACKET) && holdsSomething(text, i))) {
      count++;
    }
  }
  return count;
}

/** Whether JSON.parse of `text` stays within MAX_JSON_VALUES. */
export function withinJsonBound(text: string): boolean {
  // Every value but the last takes two characters at least (`0,` or `[0]`): a short text needs no count.
  return text.length <= 2 * (MAX_JSON_VALUES - 1) || jsonValueCount(text, MAX_JSON_VALUES) <= MAX_JSON_VALUES;
}
