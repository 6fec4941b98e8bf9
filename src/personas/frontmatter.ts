import matter from 'gray-matter';
import { parseDocument } from 'yaml';

/** A frontmatter problem, field-relative: the registry prefixes the file. */
export interface FrontmatterProblem {
  field: string;
  problem: string;
  fix: string;
}

export type FrontmatterResult =
  | { ok: true; data: Record<string, unknown>; body: string; warnings: string[] }
  | { ok: false; problem: FrontmatterProblem };

const YAML_LANGUAGES = new Set(['', 'yaml', 'yml']);

/** Thrown by every non-YAML engine: gray-matter would otherwise `eval` a `---js` block. */
function refuse(): never {
  throw new Error('frontmatter engines other than YAML are disabled');
}

/**
 * Split a persona file into YAML frontmatter and Markdown body without ever running code. gray-matter
 * picks its engine from the text after the opening `---` (`---js`, `--- javascript`, `---JS`, even
 * `---constructor`, which resolves to a property of a plain object), so the language is checked here first and
 * every executable engine is replaced as a second guard. Options are passed on every call: with none,
 * gray-matter caches results by input text at module level.
 */
export function readFrontmatter(text: string): FrontmatterResult {
  // gray-matter closes the block at "\n---", so with CRLF every value would keep a trailing "\r".
  const source = text.replace(/\r\n?/g, '\n');
  const firstLine = source.slice(0, source.indexOf('\n') === -1 ? undefined : source.indexOf('\n'));

  if (!/^---(?!-)/.test(firstLine)) {
    return fail('frontmatter', 'has no frontmatter (the file must start with a --- line)', MISSING_FIX);
  }
  const language = firstLine.slice(3).trim();
  if (!YAML_LANGUAGES.has(language.toLowerCase())) {
    return fail(
      'frontmatter',
      `frontmatter is marked as '${language}'; only YAML frontmatter is read, code in it is never run`,
      'start the file with a plain --- line and write the frontmatter as YAML key: value pairs',
    );
  }
  if (!/\n---[ \t]*(?:\n|$)/.test(source.slice(firstLine.length))) {
    return fail('frontmatter', 'frontmatter is never closed', 'end the frontmatter with a --- line before the body');
  }

  const warnings: string[] = [];
  const yaml = (block: string): object => {
    const doc = parseDocument(block, { schema: 'core', prettyErrors: true });
    for (const w of doc.warnings) warnings.push(`frontmatter: ${firstLineOf(w.message)}`);
    const error = doc.errors[0];
    if (error) {
      // gray-matter hands over the block starting with the newline after "---", so YAML lines are file lines.
      const at = error.linePos ? ` at line ${error.linePos[0].line}` : '';
      throw new YamlSyntaxError(
        `YAML syntax error${at}: ${firstLineOf(error.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
    return doc.toJS() as object;
  };

  let file: matter.GrayMatterFile<string>;
  try {
    file = matter(source, {
      language: 'yaml',
      engines: {
        yaml,
        yml: yaml,
        json: refuse,
        js: refuse,
        javascript: refuse,
        coffee: refuse,
        coffeescript: refuse,
        cson: refuse,
      },
    });
  } catch (error) {
    if (error instanceof YamlSyntaxError) {
      return fail(
        'frontmatter',
        error.message,
        'fix the YAML between the --- lines (quote values that contain ": " or start with a special character)',
      );
    }
    return fail(
      'frontmatter',
      `could not be read: ${error instanceof Error ? error.message : String(error)}`,
      MISSING_FIX,
    );
  }

  const data: unknown = file.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail('frontmatter', 'frontmatter must be a set of key: value pairs', MISSING_FIX);
  }
  return { ok: true, data: data as Record<string, unknown>, body: file.content, warnings };
}

class YamlSyntaxError extends Error {}

const MISSING_FIX =
  'start the file with a --- block holding at least `description: <what this persona does>`, then ---';

function fail(field: string, problem: string, fix: string): FrontmatterResult {
  return { ok: false, problem: { field, problem, fix } };
}

function firstLineOf(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
