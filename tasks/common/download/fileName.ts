/**
 * The name of a downloaded file. A backup's FileName comes from LCS and is untrusted: whatever it
 * holds, the file must land inside the download directory under a name every agent OS accepts.
 * Pure.
 */

// Path separators, Windows' reserved punctuation, and C0/C1 control characters.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[<>:"/\\|?*\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/**
 * Invisible format characters (Unicode Cf: bidirectional overrides such as U+202E, zero-width
 * spaces, U+FEFF): a name with them shows as another name ("gpj.exe" reads as "exe.jpg").
 */
const FORMAT_CHARACTERS = /\p{Cf}/gu;
/** Names Windows reserves for devices, with or without an extension (CON, CON.bacpac, COM1...). */
const RESERVED_WINDOWS = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
/** Leaves room for `.partial.json` under the 255-byte limit of most file systems. */
export const MAX_NAME_BYTES = 200;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Shortens a name to MAX_NAME_BYTES, keeping its extension, without splitting a character. */
function shorten(name: string): string {
  if (utf8Length(name) <= MAX_NAME_BYTES) {
    return name;
  }
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = name.slice(0, name.length - ext.length);
  const chars = [...stem];
  while (chars.length && utf8Length(chars.join('') + ext) > MAX_NAME_BYTES) {
    chars.pop();
  }
  stem = chars.join('');
  return stem + ext;
}

/**
 * A file name that stays inside its directory on Windows, Linux and macOS: no separators or
 * drive letters, no control characters, no `.`/`..`, no reserved device names, no trailing dot
 * or space, at most 200 bytes. Returns `fallback` when nothing usable is left.
 */
export function safeFileName(raw: string, fallback: string): string {
  let name = raw.normalize('NFC').replace(UNSAFE_CHARACTERS, '_').replace(FORMAT_CHARACTERS, '_');
  // The path is published as DownloadedFilePath and echoed by later steps: no agent commands in it.
  name = name.replace(/##vso\[/gi, '##_vso[').replace(/##\[/g, '##_[');
  // Windows drops trailing dots and spaces, so "x.bacpac." and "x.bacpac" would be one file.
  name = name.replace(/[. ]+$/, '').replace(/^[ ]+/, '');
  // A leading dot hides the file on Linux and macOS; a name of only dots is a directory.
  name = name.replace(/^\.+/, '');
  if (RESERVED_WINDOWS.test(name)) {
    name = `_${name}`;
  }
  name = shorten(name);
  if (!name || /^[_.\s]*$/.test(name)) {
    return fallback;
  }
  return name;
}

/** The name used when a backup's FileName gives nothing usable: its id, which is a safe token. */
export function fallbackFileName(backupId: string): string {
  const id = /^[0-9A-Za-z-]{1,64}$/.test(backupId) ? backupId : 'unknown';
  return `backup-${id}.bacpac`;
}
