/** The host of a URL for messages (never its path or query, which may hold a SAS). Pure. */
export function hostOf(url: string, fallback = 'the server'): string {
  try {
    return new URL(url).host;
  } catch {
    return fallback;
  }
}
