/**
 * What a message addressed to LUNA asks for. `@luna digest` and `@luna journey map …` are commands;
 * everything else is a question for the persona. Matching is on the first words only, so a question
 * that merely mentions a digest is still answered as a question.
 */
export type MentionIntent = { kind: 'answer' } | { kind: 'digest' } | { kind: 'journey-map'; subject: string };

export function mentionIntent(text: string): MentionIntent {
  // Drop the leading mention(s) of LUNA and punctuation people type after them ("@luna, digest please").
  const rest = text.replace(/^(\s*<@[UW][A-Z0-9]+(\|[^>]*)?>[\s,:;.!-]*)+/, '').trim();
  if (/^digest\b/i.test(rest)) return { kind: 'digest' };
  const map = /^journey[\s-]*map\b[\s,:;.-]*(.*)$/is.exec(rest);
  if (map) return { kind: 'journey-map', subject: map[1]!.trim() };
  return { kind: 'answer' };
}
