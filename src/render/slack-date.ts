/**
 * Slack's date token, `<!date^UNIX^TOKENS|fallback>`: every reader sees the time in their own time zone and
 * format; a client that cannot render it shows the fallback, written in UTC so it says which zone it is in.
 */
export function slackDate(epochMs: number, tokens = '{date_short_pretty} {time}'): string {
  const iso = new Date(epochMs).toISOString();
  return `<!date^${Math.floor(epochMs / 1000)}^${tokens}|${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC>`;
}
