import type { JourneyMap } from '../domain/journey.js';
import { truncate } from '../domain/text.js';

/**
 * The journey map as Mermaid `journey` text, so a CSM can paste it into any Mermaid editor and change it.
 * Mermaid's journey grammar ends a title or section at `#`, `;` or a newline, and a task name at `:`;
 * actors are split on `,`. Every field is rewritten so none of those characters survive.
 */
const NAME_MAX = 80;
/** Words the journey lexer reads as statements when a line starts with them. */
const KEYWORD_START = /^(?:title|section|journey|accTitle|accDescr)\b/i;

export function mermaidText(s: string, fallback: string): string {
  const clean = s
    .replace(/%%/g, '%')
    .replace(/:/g, ' -')
    .replace(/#/g, 'No.')
    .replace(/;/g, ',')
    .replace(/[{}]/g, '')
    .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
    .trim();
  const short = truncate(clean, NAME_MAX);
  if (!short) return fallback;
  return KEYWORD_START.test(short) ? `- ${short}` : short;
}

export function journeyMermaid(map: JourneyMap): string {
  const actor = mermaidText(map.actor, 'Customer').replace(/,/g, ' ');
  const lines = ['journey', `  title ${mermaidText(map.scenario, 'Customer journey')}`];
  map.stages.forEach((stage, i) => {
    lines.push(`  section ${mermaidText(stage.name, `Stage ${i + 1}`)}`);
    for (const action of stage.actions) lines.push(`    ${mermaidText(action, 'Step')}: ${stage.emotion}: ${actor}`);
  });
  return `${lines.join('\n')}\n`;
}
