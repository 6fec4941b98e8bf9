import { validateSearchResults } from './anthropic-search.js';

/**
 * Request validation with the Messages API's rules and error wording, so a malformed request fails in
 * tests with the same 400 `invalid_request_error` it would get in production.
 */

type Obj = Record<string, unknown>;

/** Top-level parameters of POST /v1/messages (from the SDK's MessageCreateParams). Others are rejected. */
const CREATE_PARAMS = new Set([
  'model',
  'messages',
  'max_tokens',
  'cache_control',
  'container',
  'diagnostics',
  'inference_geo',
  'metadata',
  'output_config',
  'service_tier',
  'speed',
  'stop_sequences',
  'stream',
  'system',
  'thinking',
  'tool_choice',
  'tools',
  'user_profile_id',
  'workspace_id',
]);
const COUNT_PARAMS = new Set([
  'model',
  'messages',
  'cache_control',
  'output_config',
  'speed',
  'system',
  'thinking',
  'tool_choice',
  'tools',
  'user_profile_id',
  'workspace_id',
]);
const MAX_CACHE_BREAKPOINTS = 4;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns the error message for an invalid request, or undefined when the API would accept it. */
export function validateRequest(body: unknown, kind: 'create' | 'count'): string | undefined {
  if (!isObj(body)) return 'Request body must be a JSON object';
  const allowed = kind === 'create' ? CREATE_PARAMS : COUNT_PARAMS;
  for (const k of Object.keys(body)) if (!allowed.has(k)) return `${k}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (kind === 'create') {
    if (body.max_tokens === undefined) return 'max_tokens: Field required';
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 0) {
      return 'max_tokens: Input should be a valid integer greater than or equal to 0';
    }
  }
  return (
    validateSystem(body.system) ??
    validateMessages(body.messages) ??
    validateSearchResults(body.messages) ??
    validateCacheControl(body) ??
    validateOutputConfig(body.output_config)
  );
}

function validateSystem(system: unknown): string | undefined {
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return 'system: Input should be a valid string or list of text blocks';
  for (const [i, b] of system.entries()) {
    if (!isObj(b) || b.type !== 'text' || typeof b.text !== 'string')
      return `system.${i}: Input should be a text block`;
    if (b.text === '') return `system.${i}.text: text content blocks must be non-empty`;
  }
  return undefined;
}

/**
 * Consecutive turns of one role are legal (the API merges them); the first turn must be the user's, and
 * only a final assistant turn (prefill) may be empty — it must not end in whitespace.
 */
function validateMessages(messages: unknown): string | undefined {
  if (messages === undefined) return 'messages: Field required';
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list';
  if (messages.length === 0) return 'messages: at least one message is required';
  for (const [i, m] of messages.entries()) {
    if (!isObj(m)) return `messages.${i}: Input should be a valid dictionary`;
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i === 0 && m.role !== 'user') return 'messages: first message must use the "user" role';
    const finalAssistant = i === messages.length - 1 && m.role === 'assistant';
    if (typeof m.content === 'string') {
      if (m.content === '' && !finalAssistant) {
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
      }
      if (finalAssistant && m.content !== '' && /\s$/.test(m.content))
        return 'final assistant content cannot end with trailing whitespace';
      continue;
    }
    if (!Array.isArray(m.content))
      return `messages.${i}.content: Input should be a valid string or list of content blocks`;
    if (m.content.length === 0 && !finalAssistant) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    for (const [j, b] of m.content.entries()) {
      if (!isObj(b) || typeof b.type !== 'string') return `messages.${i}.content.${j}: Input should be a content block`;
      if (b.type === 'text') {
        if (typeof b.text !== 'string') return `messages.${i}.content.${j}.text: Field required`;
        if (b.text === '') return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
      }
    }
    const last = m.content[m.content.length - 1] as Obj | undefined;
    if (finalAssistant && last?.type === 'text' && /\s$/.test(String(last.text))) {
      return 'final assistant content cannot end with trailing whitespace';
    }
  }
  return undefined;
}

function validateCacheControl(body: Obj): string | undefined {
  const blocks: unknown[] = [
    ...(Array.isArray(body.tools) ? (body.tools as unknown[]) : []),
    ...(Array.isArray(body.system) ? (body.system as unknown[]) : []),
    ...(Array.isArray(body.messages)
      ? (body.messages as Obj[]).flatMap((m) => (Array.isArray(m.content) ? (m.content as unknown[]) : []))
      : []),
  ];
  let found = 0;
  for (const b of [...blocks, body]) {
    if (!isObj(b) || b.cache_control === undefined || b.cache_control === null) continue;
    const cc = b.cache_control;
    if (!isObj(cc) || cc.type !== 'ephemeral') return "cache_control.type: Input should be 'ephemeral'";
    if (cc.ttl !== undefined && cc.ttl !== '5m' && cc.ttl !== '1h')
      return "cache_control.ttl: Input should be '5m' or '1h'";
    found++;
  }
  if (found > MAX_CACHE_BREAKPOINTS) {
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${found}.`;
  }
  return undefined;
}

/** Structured outputs: `{type:'json_schema', schema}` within the JSON Schema subset the API supports. */
function validateOutputConfig(oc: unknown): string | undefined {
  if (oc === undefined || oc === null) return undefined;
  if (!isObj(oc)) return 'output_config: Input should be a valid dictionary';
  const f = oc.format;
  if (f === undefined || f === null) return undefined;
  if (!isObj(f) || f.type !== 'json_schema') return "output_config.format.type: Input should be 'json_schema'";
  if (!isObj(f.schema)) return 'output_config.format.schema: Field required';
  const problem = schemaProblem(f.schema, '', 0);
  return problem && `output_config.format.schema: ${problem}`;
}

const UNSUPPORTED_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
];
const STRING_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'uri',
  'ipv4',
  'ipv6',
  'uuid',
]);

/** The limits the SDK's own schema transform strips for (they are rejected by the API). */
function schemaProblem(s: unknown, at: string, depth: number): string | undefined {
  if (!isObj(s) || depth > 32) return undefined;
  const where = at || '(root)';
  for (const kw of UNSUPPORTED_KEYWORDS) if (kw in s) return `'${kw}' is not supported (at ${where})`;
  if (s.minItems !== undefined && s.minItems !== 0 && s.minItems !== 1)
    return `'minItems' values other than 0 or 1 are not supported (at ${where})`;
  if (s.type === 'string' && typeof s.format === 'string' && !STRING_FORMATS.has(s.format)) {
    return `string format '${s.format}' is not supported (at ${where})`;
  }
  if (
    (s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'))) &&
    s.additionalProperties !== false
  ) {
    return `For 'object' type, 'additionalProperties' must be explicitly set to false (at ${where})`;
  }
  const children: Array<[string, unknown]> = [];
  if (isObj(s.properties))
    for (const [k, v] of Object.entries(s.properties)) children.push([`${at}/properties/${k}`, v]);
  if (s.items !== undefined) children.push([`${at}/items`, s.items]);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) list.forEach((v, i) => children.push([`${at}/${key}/${i}`, v]));
  }
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = s[key];
    if (isObj(defs)) for (const [k, v] of Object.entries(defs)) children.push([`${at}/${key}/${k}`, v]);
  }
  for (const [p, child] of children) {
    const problem = schemaProblem(child, p, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** A minimal instance of a JSON schema: the default structured-output reply when no test scripted one. */
export function sampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isObj(schema) || depth > 12) return null;
  if (typeof schema.$ref === 'string') {
    const [, kind, name] = /^#\/(\$defs|definitions)\/(.+)$/.exec(schema.$ref) ?? [];
    const target = kind && name && isObj(root) && isObj(root[kind]) ? root[kind][name] : undefined;
    return sampleFromSchema(target, root, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list) && list.length > 0) return sampleFromSchema(list[0], root, depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type as unknown[]).find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const props = isObj(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFromSchema(v, root, depth + 1)]));
    }
    case 'array':
      return schema.minItems === 1 ? [sampleFromSchema(schema.items, root, depth + 1)] : [];
    case 'string':
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'date') return '2026-01-01';
      if (schema.format === 'email') return 'someone@example.com';
      if (schema.format === 'uri') return 'https://example.com/';
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'example';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}
