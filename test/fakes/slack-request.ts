import type { SlackArgs } from './slack-types.js';

/**
 * Decodes a Web API request the way Slack does. WebClient sends `application/x-www-form-urlencoded` with
 * object and array arguments (blocks, metadata, files, view, …) as JSON strings; other clients send JSON
 * (token only in the Authorization header) or multipart. Query-string arguments count too.
 */

/** Arguments Slack reads as JSON when they arrive as strings. */
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'metadata',
  'files',
  'view',
  'loading_messages',
  'prompts',
  'unfurls',
]);

export interface ParsedRequest {
  args: SlackArgs;
  /** A `token` form field; Slack ignores `token` inside JSON bodies. */
  bodyToken?: string;
  /** Set when the body itself is unreadable (Slack answers `invalid_json` / `invalid_form_data`). */
  error?: string;
}

export async function parseSlackRequest(
  contentType: string | undefined,
  raw: Buffer,
  query: URLSearchParams,
): Promise<ParsedRequest> {
  const ct = (contentType ?? '').toLowerCase();
  const args: SlackArgs = Object.fromEntries(query.entries());
  let bodyToken: string | undefined = typeof args.token === 'string' ? args.token : undefined;
  if (raw.length > 0) {
    if (ct.startsWith('application/json')) {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return { args, error: 'invalid_json' };
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return { args, error: 'invalid_json' };
      Object.assign(args, body);
    } else if (ct.startsWith('multipart/form-data')) {
      try {
        const form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData();
        for (const [k, v] of form.entries()) if (typeof v === 'string') args[k] = v;
      } catch {
        return { args, error: 'invalid_form_data' };
      }
      if (typeof args.token === 'string') bodyToken = args.token;
    } else {
      // Slack treats an unlabelled body as form data too.
      for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
      if (typeof args.token === 'string') bodyToken = args.token;
    }
  }
  for (const key of Object.keys(args)) {
    const v = args[key];
    if (JSON_FIELDS.has(key) && typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        args[key] = JSON.parse(v);
      } catch {
        // Left as a string: the method reports the field as malformed (e.g. invalid_blocks_format).
      }
    }
  }
  return { args, ...(bodyToken !== undefined ? { bodyToken } : {}) };
}
