/** Small text helpers every layer uses, written once. */

/** Lower-case words joined by '-': for ids and file names built from human text. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** At most `max` characters (code points, so an emoji is never cut in half), ending in '…' when cut. */
export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max
    ? s
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** `&`, `<` and `>` escaped, as Slack's mrkdwn and XML/SVG text both need; `quotes` adds `"` for attributes. */
export function escapeAngles(s: string, opts: { quotes?: boolean } = {}): string {
  const out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return opts.quotes ? out.replace(/"/g, '&quot;') : out;
}
