/**
 * Text that comes from LCS or Entra (backup names, descriptions, error messages) is untrusted.
 * The agent executes any `##vso[` it finds in a stdout line (anywhere in the line, not only at
 * the start) and formats lines starting with `##[`. Everything remote passes through here
 * before it reaches the log.
 */

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators: each could
// start a new log line or an escape sequence.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
// Format characters (Unicode category Cf) are invisible, yet they reorder the text around them
// (bidirectional embeddings, overrides and isolates, U+202A-202E and U+2066-2069), hide text
// (zero-width space and joiners, U+200B-200D, U+2060, U+FEFF) or tag it (U+E0000 block): a
// name could read as something it is not in the log, the summary or a later step. Each is
// shown as <U+XXXX> instead, so the oddity stays visible and cannot assemble a marker.
const FORMAT_CHARACTERS = /\p{Cf}/gu;
const VSO_MARKER = /##vso\[/gi;
const FORMAT_MARKER = /##\[/g;

/**
 * One line of untrusted text, safe to print: no line breaks, no agent command markers, no
 * invisible characters that change how the line reads.
 */
export function neutralize(value: unknown, maxLength = 400): string {
  if (value === null || value === undefined) {
    return '';
  }
  let text = String(value)
    .replace(CONTROL_CHARACTERS, ' ')
    // A match of \p{Cf} is one code point, so codePointAt(0) is always a number.
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
    .replace(FORMAT_CHARACTERS, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
  // Rewrite the markers the way azure-pipelines-task-lib's external-output filter does,
  // but case-insensitively and for the formatting prefix as well.
  text = text.replace(VSO_MARKER, '##_vso[').replace(FORMAT_MARKER, '##_[');
  if (text.length > maxLength) {
    text = `${text.slice(0, maxLength - 1)}…`;
  }
  return text;
}

/**
 * Untrusted text for a Markdown table cell: neutralized, then every Markdown metacharacter
 * escaped so a backup name cannot break the table, add links or images, or inject HTML.
 */
export function escapeMarkdown(value: unknown, maxLength = 200): string {
  return (
    neutralize(value, maxLength)
      // Emphasis, code, links, images, HTML, tables, entities; `:` and `@` stop GFM's
      // autolinks of URLs and e-mail addresses.
      .replace(/[\\`*_{}[\]()<>#+!|~&:@]/g, (c) => `\\${c}`)
      // ...and an escaped dot stops the `www.` autolink.
      .replace(/www\./gi, (m) => `${m.slice(0, 3)}\\.`)
  );
}
