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
const VSO_MARKER = /##vso\[/gi;
const FORMAT_MARKER = /##\[/g;

/** One line of untrusted text, safe to print: no line breaks, no agent command markers. */
export function neutralize(value: unknown, maxLength = 400): string {
  if (value === null || value === undefined) {
    return '';
  }
  let text = String(value).replace(CONTROL_CHARACTERS, ' ');
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
