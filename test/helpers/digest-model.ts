import type { FakeReply, HandlerReply, RequestBody } from '../fakes/anthropic-server.js';
import { sampleFromSchema } from '../fakes/anthropic-validate.js';

/**
 * A scripted model for digests, for FakeAnthropic's `defaultReply`: a part (map) request is answered with
 * a digest citing the labels of its own transcript; a merge (reduce) request with one citing the labels
 * found in its partial digests. So citations are always real, as a good model's would be. Other
 * structured requests get a minimal valid instance of their schema, plain ones an echo.
 */
export interface FakeDigestOptions {
  /** Churn risk's area (null: none strategic). @defaultValue null */
  area?: string | null;
  confidence?: number;
  csat?: 1 | 2 | 3 | 4 | 5;
  /** Recommended actions per digest. @defaultValue 2 */
  actions?: number;
  /** Themes per digest, each citing up to 8 labels: sets the size of a partial digest. @defaultValue 3 */
  themes?: number;
}

export function fakeDigestModel(o: FakeDigestOptions = {}): HandlerReply {
  return { handler: (body) => digestReply(body, o) };
}

export function isDigestRequest(body: { messages?: unknown } | undefined): boolean {
  return JSON.stringify(body?.messages ?? '').includes('Feedback digest of');
}

function digestReply(body: RequestBody, o: FakeDigestOptions): FakeReply {
  const user = JSON.stringify(body.messages);
  if (!isDigestRequest(body)) {
    const schema = body.output_config?.format?.schema;
    return {
      text: schema ? JSON.stringify(sampleFromSchema(schema)) : `Here is what I think about: ${user.slice(0, 80)}`,
    };
  }
  const merge = user.includes('## Partial digest');
  // Parts cite their transcript's labels ("[m12 ·"); merges cite what the partials cited ("\"m12\"").
  const refs = [...new Set([...user.matchAll(merge ? /\\"(m\d+)\\"/g : /\[(m\d+) ·/g)].map((m) => m[1]!))];
  const pick = (k: number, n = 8) =>
    Array.from(
      { length: Math.min(n, refs.length) },
      (_, j) => refs[(k * 7 + j * Math.max(1, Math.floor(refs.length / n))) % refs.length]!,
    );
  const digest = {
    themes: Array.from({ length: o.themes ?? 3 }, (_, k) => ({
      title: `Theme ${k + 1}`,
      count: Math.max(1, Math.floor(refs.length / (k + 2))),
      summary: `Customers keep raising topic ${k + 1}.`,
      sources: pick(k),
    })),
    sentiment: { overall: 'mixed', summary: 'Frustrated with onboarding, happy with support.', sources: pick(0, 3) },
    csat: { estimate: o.csat ?? 3, reasoning: 'Complaints balance the praise.', sources: pick(1, 3) },
    painPoints: [{ text: 'SSO setup takes weeks.', sources: pick(2, 2) }],
    praise: [{ text: 'Support answers fast.', sources: pick(3, 2) }],
    featureRequests: [{ text: 'Bulk user import.', sources: pick(4, 2) }],
    churnRisks: [
      {
        signal: 'Acme mentions evaluating a competitor before renewal.',
        customer: 'Acme',
        area: o.area ?? null,
        customerWants: 'A faster SSO rollout before the renewal.',
        whyStrategic: 'A renewal decision for a key account.',
        decisionNeeded: 'Whether to offer a dedicated onboarding engineer.',
        confidence: o.confidence ?? 0.9,
        sources: pick(5, 2),
      },
    ],
    actions: Array.from({ length: o.actions ?? 2 }, (_, k) => ({
      action: `Follow up on item ${k + 1} with the customer.`,
      owner: k === 0 ? '@sales' : 'CS lead',
      sources: pick(6 + k, 2),
    })),
  };
  return { text: JSON.stringify(digest) };
}
