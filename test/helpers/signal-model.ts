import type { FakeReply, HandlerReply, RequestBody } from '../fakes/anthropic-server.js';

/**
 * A scripted small model for signal classification, for FakeAnthropic's `defaultReply` (or inside another
 * handler): a batch request (its system prompt is the signals task) is answered by keyword, citing the
 * labels of the messages that carry each signal, as a good model would. Anything else gets `otherwise`.
 */
export interface FakeSignalOptions {
  /** The area a churn risk names. @defaultValue 'none' */
  area?: string;
  confidence?: number;
  otherwise?: (body: RequestBody) => FakeReply;
}

const KINDS: Array<[kind: string, re: RegExp, summary: string, next: string]> = [
  [
    'churn_risk',
    /cancel|not renew|competitor|alternatives|other vendors|switch(ing)? to/i,
    'They are weighing other vendors before the renewal.',
    'Call the sponsor this week about the renewal.',
  ],
  [
    'frustration',
    /frustrat|annoy|still broken|fed up|again\?/i,
    'They are frustrated with a problem that keeps coming back.',
    'Own the fix and tell them when it lands.',
  ],
  [
    'expansion_interest',
    /more seats|upgrade|another team|enterprise plan/i,
    'They want more seats for another team.',
    'Loop in @sales with the seat count.',
  ],
  [
    'advocacy',
    /love|recommend|case study|best tool/i,
    'They would recommend us to peers.',
    'Ask whether they would be a reference.',
  ],
];

export function isSignalRequest(body: RequestBody | undefined): boolean {
  return JSON.stringify(body?.system ?? '').includes('Task: find customer signals');
}

export function fakeSignalModel(o: FakeSignalOptions = {}): HandlerReply {
  return {
    handler: (body: RequestBody) => {
      if (!isSignalRequest(body)) return o.otherwise ? o.otherwise(body) : { text: 'ok' };
      const content = body.messages[0]?.content;
      const text = typeof content === 'string' ? content : JSON.stringify(content ?? '');
      const lines = text.split('\n\n').flatMap((chunk) => {
        const m = /^\[(s\d+) · [^\]]*\] ([\s\S]*)$/.exec(chunk);
        return m ? [{ label: m[1]!, text: m[2]! }] : [];
      });
      const signals = KINDS.flatMap(([kind, re, summary, nextStep]) => {
        const hits = lines
          .filter((l) => re.test(l.text))
          .map((l) => l.label)
          .slice(0, 5); // as the schema asks: the most telling few
        return hits.length
          ? [
              {
                kind,
                confidence: o.confidence ?? 0.9,
                summary,
                messages: hits,
                area: kind === 'churn_risk' ? (o.area ?? 'none') : 'none',
                nextStep,
              },
            ]
          : [];
      });
      return { text: JSON.stringify({ signals }) };
    },
  };
}
