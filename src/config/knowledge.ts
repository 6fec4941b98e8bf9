import { z } from 'zod';

/**
 * The `knowledge:` section of `luna.config.yml` (PRODUCT.md, Knowledge): where LUNA's documents come from, how
 * often fetched pages are read again, whether resolved requests become knowledge, and whether an answer where the
 * customer reads must cite something.
 *
 * A source is either a folder (`path`, with an optional `url` base for links) or a sitemap (`sitemap`); a source
 * naming both, or neither, is an error that says which to pick. Paths stay as written: they are resolved against
 * the config file's folder when the sources are opened (knowledge/sources.ts), so the file can move with them.
 */
const httpUrl = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .refine((s) => {
      try {
        return /^https?:$/.test(new URL(s).protocol);
      } catch {
        return false;
      }
    }, `must be ${what} starting with http:// or https://`);

const FolderSourceSchema = z
  .object({
    /** A folder of Markdown, HTML (a help-centre export) and text files, re-read when they change. */
    path: z
      .string({ error: 'must be a folder path, such as ./knowledge' })
      .trim()
      .min(1, 'must be a folder path, such as ./knowledge'),
    /** A file's link when its frontmatter names no `url`: this base + the file's path inside the folder. */
    url: httpUrl('a base URL such as https://docs.example.com').optional(),
  })
  .strict();

const SitemapSourceSchema = z
  .object({
    /** A sitemap (or sitemap index) whose pages are fetched over HTTP(S). */
    sitemap: httpUrl('the address of a sitemap, such as https://docs.example.com/sitemap.xml'),
  })
  .strict();

/** Which kind of source an entry is, or what is wrong with it: a union's "Invalid input" would not say. */
function kindOf(raw: unknown): { kind: 'path' | 'sitemap'; entry: Record<string, unknown> } | { problem: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { problem: 'must be a source: { path: ./folder } or { sitemap: https://…/sitemap.xml }' };
  const entry = raw as Record<string, unknown>;
  if ('path' in entry && 'sitemap' in entry)
    return { problem: 'names both path and sitemap; write each as its own source' };
  if ('path' in entry) return { kind: 'path', entry };
  if ('sitemap' in entry) return { kind: 'sitemap', entry };
  return { problem: 'names neither path nor sitemap: write { path: ./folder } or { sitemap: https://…/sitemap.xml }' };
}

const SourceSchema = z.unknown().transform((raw, ctx): FolderSource | SitemapSource => {
  const k = kindOf(raw);
  if ('problem' in k) {
    ctx.addIssue({ code: 'custom', message: k.problem });
    return z.NEVER;
  }
  const parsed = (k.kind === 'path' ? FolderSourceSchema : SitemapSourceSchema).safeParse(k.entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issueText(issue) });
    return z.NEVER;
  }
  return parsed.data;
});

function issueText(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys'
    ? `has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    : issue.message;
}

export type FolderSource = z.infer<typeof FolderSourceSchema>;
export type SitemapSource = z.infer<typeof SitemapSourceSchema>;
export type KnowledgeSource = FolderSource | SitemapSource;

export const KnowledgeSchema = z
  .object({
    sources: z.array(SourceSchema).default([]),
    /** How often pages listed by a sitemap are fetched again. */
    refreshHours: z
      .number({ error: 'must be a number of hours, such as 24' })
      .positive('must be more than 0 hours')
      .max(24 * 30, 'must be at most 720 hours (30 days)')
      .default(24),
    /** A resolved request's question and the team's answer become knowledge, for that account and internal places. */
    resolvedRequests: z.boolean({ error: 'must be true or false' }).default(true),
    /** Where the customer reads, an answer that cites nothing goes to the team as a draft. */
    customerAnswersNeedSources: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .strict()
  .superRefine((k, ctx) => {
    const seen = new Map<string, number>();
    k.sources.forEach((s, i) => {
      const key = 'path' in s ? `path ${s.path}` : `sitemap ${s.sitemap}`;
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i],
          message: `repeats sources[${first}] (${key}); list each source once`,
        });
      else seen.set(key, i);
    });
  });
export type KnowledgeConfig = z.infer<typeof KnowledgeSchema>;
