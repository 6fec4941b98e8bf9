/**
 * Block Kit validation with Slack's documented limits. Problems are reported the way Slack does:
 * `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`, so a renderer bug shows up
 * in tests as the same `invalid_blocks` error production would get.
 */

export interface BlockProblem {
  message: string;
  pointer: string;
}

const COMMON_BLOCK_TYPES = ['section', 'header', 'context', 'divider', 'actions', 'markdown', 'image', 'rich_text'];
/** Messages also take `context_actions` (feedback and icon buttons), which Slack offers in messages only. */
export const MESSAGE_BLOCK_TYPES: ReadonlySet<string> = new Set([...COMMON_BLOCK_TYPES, 'context_actions']);
/** Surfaces (App Home) also take input blocks. */
export const VIEW_BLOCK_TYPES: ReadonlySet<string> = new Set([...COMMON_BLOCK_TYPES, 'input']);

const INTERACTIVE_ELEMENTS = new Set([
  'button',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'workflow_button',
]);
const RICH_TEXT_ELEMENTS = new Set([
  'rich_text_section',
  'rich_text_list',
  'rich_text_preformatted',
  'rich_text_quote',
]);
const MARKDOWN_TOTAL_MAX = 12_000;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ValidateOptions {
  /** JSON pointer of the blocks array, e.g. `/blocks` or `/view/blocks`. */
  pointer: string;
  maxBlocks: number;
  allowed: ReadonlySet<string>;
}

export function validateBlocks(blocks: unknown[], opts: ValidateOptions): BlockProblem[] {
  const out: BlockProblem[] = [];
  const add = (pointer: string, message: string) => out.push({ pointer, message });
  if (blocks.length > opts.maxBlocks) add(opts.pointer, `no more than ${opts.maxBlocks} items allowed`);
  const blockIds = new Set<string>();
  let markdownChars = 0;
  blocks.forEach((block, i) => {
    const p = `${opts.pointer}/${i}`;
    if (!isObj(block)) return add(p, 'expected object');
    const type = block.type;
    if (typeof type !== 'string') return add(p, 'missing required field: type');
    if (!opts.allowed.has(type)) return add(`${p}/type`, `invalid additional property: ${type}`);
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string' || block.block_id.length === 0)
        add(`${p}/block_id`, 'must be a non-empty string');
      else if (block.block_id.length > 255) add(`${p}/block_id`, 'must be less than 256 characters');
      else if (blockIds.has(block.block_id)) add(`${p}/block_id`, `duplicate block_id: ${block.block_id}`);
      else blockIds.add(block.block_id);
    }
    switch (type) {
      case 'section':
        return section(block, p, add);
      case 'header':
        return textObject(block.text, `${p}/text`, add, { max: 150, plainOnly: true });
      case 'context':
        return context(block, p, add);
      case 'divider':
        return;
      case 'actions':
        return actions(block, p, add);
      case 'context_actions':
        return contextActions(block, p, add);
      case 'markdown':
        if (typeof block.text !== 'string') return add(p, 'missing required field: text');
        markdownChars += block.text.length;
        return;
      case 'image':
        return image(block, p, add);
      case 'rich_text':
        return richText(block, p, add);
      case 'input':
        if (!isObj(block.element)) add(p, 'missing required field: element');
        return textObject(block.label, `${p}/label`, add, { max: 2000, plainOnly: true });
    }
  });
  if (markdownChars > MARKDOWN_TOTAL_MAX) {
    add(
      opts.pointer,
      `the cumulative length of markdown blocks must be less than ${MARKDOWN_TOTAL_MAX + 1} characters`,
    );
  }
  return out;
}

type Add = (pointer: string, message: string) => void;

function textObject(v: unknown, p: string, add: Add, o: { max: number; plainOnly?: boolean }): void {
  if (v === undefined)
    return add(p.slice(0, p.lastIndexOf('/')), `missing required field: ${p.slice(p.lastIndexOf('/') + 1)}`);
  if (!isObj(v)) return add(p, 'expected object');
  if (v.type !== 'plain_text' && v.type !== 'mrkdwn') return add(`${p}/type`, 'must be one of: plain_text, mrkdwn');
  if (o.plainOnly && v.type !== 'plain_text') return add(`${p}/type`, 'must be plain_text');
  if (typeof v.text !== 'string') return add(p, 'missing required field: text');
  if (v.text.length === 0) return add(`${p}/text`, 'must be more than 0 characters');
  if (v.text.length > o.max) add(`${p}/text`, `must be less than ${o.max + 1} characters`);
  if (v.type === 'mrkdwn') for (const problem of dateTokenProblems(v.text)) add(`${p}/text`, problem);
}

/**
 * docs.slack.dev, "Formatting text for app surfaces" → dates: `<!date^timestamp^token_string^optional_link|fallback_text>`,
 * `timestamp` in Unix seconds, tokens from the documented set, an optional fully qualified URL, and fallback text that
 * must be there for clients that cannot render it. Slack itself does not refuse a malformed token (the reader sees it
 * raw); the fake does, so a renderer that builds one fails its test instead of a reader's eyes.
 */
const DATE_TOKENS = new Set([
  'date_num',
  'date',
  'date_short',
  'date_long',
  'date_pretty',
  'date_short_pretty',
  'date_long_pretty',
  'date_slash',
  'date_long_full',
  'day_divider_pretty',
  'time',
  'time_secs',
  'ago',
]);
const DATE_SHAPE = /^<!date\^(\d{1,12})\^([^^|>]+)(?:\^(https?:\/\/[^\s|>^]+))?\|([^>]+)>$/;

export function dateTokenProblems(text: string): string[] {
  const out: string[] = [];
  for (const [token] of text.matchAll(/<!date[^>]*>?/g)) {
    const m = DATE_SHAPE.exec(token);
    if (!m) {
      out.push(`invalid date token ${token}: expected <!date^unix_seconds^token_string^optional_link|fallback_text>`);
      continue;
    }
    const unknown = [...m[2]!.matchAll(/\{([^}]*)\}/g)].map((x) => x[1]!).filter((t) => !DATE_TOKENS.has(t));
    if (unknown.length) out.push(`invalid date token ${token}: unknown format token {${unknown.join('}, {')}}`);
    if (!/\{[^}]+\}/.test(m[2]!)) out.push(`invalid date token ${token}: the token string has no date or time token`);
  }
  return out;
}

function section(block: Obj, p: string, add: Add): void {
  if (block.text === undefined && block.fields === undefined) return add(p, 'must provide either text or fields');
  if (block.text !== undefined) textObject(block.text, `${p}/text`, add, { max: 3000 });
  if (block.fields !== undefined) {
    if (!Array.isArray(block.fields)) return add(`${p}/fields`, 'expected array');
    if (block.fields.length === 0) add(`${p}/fields`, 'must provide at least 1 item');
    if (block.fields.length > 10) add(`${p}/fields`, 'no more than 10 items allowed');
    block.fields.forEach((f, i) => textObject(f, `${p}/fields/${i}`, add, { max: 2000 }));
  }
  if (block.accessory !== undefined) element(block.accessory, `${p}/accessory`, add, true);
}

function context(block: Obj, p: string, add: Add): void {
  const els = block.elements;
  if (!Array.isArray(els)) return add(p, 'missing required field: elements');
  if (els.length === 0) add(`${p}/elements`, 'must provide at least 1 item');
  if (els.length > 10) add(`${p}/elements`, 'no more than 10 items allowed');
  els.forEach((el, i) => {
    const ep = `${p}/elements/${i}`;
    if (isObj(el) && el.type === 'image') return imageElement(el, ep, add);
    textObject(el, ep, add, { max: 3000 });
  });
}

function actions(block: Obj, p: string, add: Add): void {
  const els = block.elements;
  if (!Array.isArray(els)) return add(p, 'missing required field: elements');
  if (els.length === 0) add(`${p}/elements`, 'must provide at least 1 item');
  if (els.length > 25) add(`${p}/elements`, 'no more than 25 items allowed');
  const actionIds = new Set<string>();
  els.forEach((el, i) => {
    const ep = `${p}/elements/${i}`;
    element(el, ep, add, false);
    if (isObj(el) && typeof el.action_id === 'string') {
      if (actionIds.has(el.action_id)) add(`${ep}/action_id`, `duplicate action_id: ${el.action_id}`);
      actionIds.add(el.action_id);
    }
  });
}

/**
 * docs.slack.dev/reference/block-kit/blocks/context-actions-block: 1–5 elements, each `feedback_buttons` (a
 * positive and a negative button: plain_text text ≤ 75, value ≤ 2000, accessibility_label ≤ 75) or `icon_button`.
 */
function contextActions(block: Obj, p: string, add: Add): void {
  const els = block.elements;
  if (!Array.isArray(els)) return add(p, 'missing required field: elements');
  if (els.length === 0) add(`${p}/elements`, 'must provide at least 1 item');
  if (els.length > 5) add(`${p}/elements`, 'no more than 5 items allowed');
  els.forEach((el, i) => {
    const ep = `${p}/elements/${i}`;
    if (!isObj(el)) return add(ep, 'expected object');
    if (el.action_id !== undefined && (typeof el.action_id !== 'string' || el.action_id.length > 255)) {
      add(`${ep}/action_id`, 'must be a string of less than 256 characters');
    }
    if (el.type === 'feedback_buttons') {
      for (const side of ['positive_button', 'negative_button'] as const) {
        const b = el[side];
        const bp = `${ep}/${side}`;
        if (!isObj(b)) {
          add(ep, `missing required field: ${side}`);
          continue;
        }
        textObject(b.text, `${bp}/text`, add, { max: 75, plainOnly: true });
        if (typeof b.value !== 'string') add(bp, 'missing required field: value');
        else if (b.value.length > 2000) add(`${bp}/value`, 'must be less than 2001 characters');
        if (
          b.accessibility_label !== undefined &&
          (typeof b.accessibility_label !== 'string' || b.accessibility_label.length > 75)
        ) {
          add(`${bp}/accessibility_label`, 'must be a string of less than 76 characters');
        }
      }
      return;
    }
    if (el.type === 'icon_button') {
      if (typeof el.icon !== 'string') add(ep, 'missing required field: icon');
      return textObject(el.text, `${ep}/text`, add, { max: 75, plainOnly: true });
    }
    add(`${ep}/type`, `invalid element type: ${String(el.type)}`);
  });
}

function element(el: unknown, p: string, add: Add, accessory: boolean): void {
  if (!isObj(el)) return add(p, 'expected object');
  if (typeof el.type !== 'string') return add(p, 'missing required field: type');
  if (accessory && el.type === 'image') return imageElement(el, p, add);
  if (!INTERACTIVE_ELEMENTS.has(el.type)) return add(`${p}/type`, `invalid element type: ${el.type}`);
  if (el.action_id !== undefined && (typeof el.action_id !== 'string' || el.action_id.length > 255)) {
    add(`${p}/action_id`, 'must be a string of less than 256 characters');
  }
  if (el.confirm !== undefined) confirmationDialog(el.confirm, `${p}/confirm`, add);
  if (el.type === 'static_select') return staticSelect(el, p, add);
  if (el.type !== 'button') return;
  textObject(el.text, `${p}/text`, add, { max: 75, plainOnly: true });
  if (el.value !== undefined && (typeof el.value !== 'string' || el.value.length > 2000)) {
    add(`${p}/value`, 'must be a string of less than 2001 characters');
  }
  if (el.url !== undefined && (typeof el.url !== 'string' || el.url.length > 3000)) {
    add(`${p}/url`, 'must be a string of less than 3001 characters');
  }
  if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
    add(`${p}/style`, 'must be one of: primary, danger');
  }
}

/**
 * docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object: `title` (≤ 100), `text` (≤ 300),
 * `confirm` and `deny` (≤ 30 each) are required plain_text objects; `style` is `primary` or `danger`.
 */
function confirmationDialog(v: unknown, p: string, add: Add): void {
  if (!isObj(v)) return add(p, 'expected object');
  textObject(v.title, `${p}/title`, add, { max: 100, plainOnly: true });
  textObject(v.text, `${p}/text`, add, { max: 300, plainOnly: true });
  textObject(v.confirm, `${p}/confirm`, add, { max: 30, plainOnly: true });
  textObject(v.deny, `${p}/deny`, add, { max: 30, plainOnly: true });
  if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger')
    add(`${p}/style`, 'must be one of: primary, danger');
}

/**
 * docs.slack.dev/reference/block-kit/block-elements/select-menu-element#static_select: `options` (up to 100) or
 * `option_groups` (up to 100, each a plain_text `label` of at most 75 and its own `options`), never both;
 * `placeholder` plain_text of at most 150; `initial_option` exactly one of the options. An option
 * (composition-objects/option-object): `text` plain_text of at most 75, `value` of at most 150, optional
 * plain_text `description` of at most 75.
 */
function staticSelect(el: Obj, p: string, add: Add): void {
  if (el.placeholder !== undefined) textObject(el.placeholder, `${p}/placeholder`, add, { max: 150, plainOnly: true });
  const hasOptions = el.options !== undefined;
  const hasGroups = el.option_groups !== undefined;
  if (hasOptions === hasGroups) return add(p, 'must provide exactly one of options or option_groups');
  const all: Obj[] = [];
  const options = (list: unknown, lp: string) => {
    if (!Array.isArray(list)) return add(lp, 'expected array');
    if (list.length === 0) add(lp, 'must provide at least 1 item');
    if (list.length > 100) add(lp, 'no more than 100 items allowed');
    list.forEach((o, i) => {
      const op = `${lp}/${i}`;
      if (!isObj(o)) return add(op, 'expected object');
      textObject(o.text, `${op}/text`, add, { max: 75, plainOnly: true });
      if (typeof o.value !== 'string') add(op, 'missing required field: value');
      else if (o.value.length > 150) add(`${op}/value`, 'must be less than 151 characters');
      if (o.description !== undefined)
        textObject(o.description, `${op}/description`, add, { max: 75, plainOnly: true });
      if (o.url !== undefined) add(`${op}/url`, 'url is only available in overflow menus');
      all.push(o);
    });
  };
  if (hasOptions) options(el.options, `${p}/options`);
  else if (!Array.isArray(el.option_groups)) add(`${p}/option_groups`, 'expected array');
  else {
    if (el.option_groups.length > 100) add(`${p}/option_groups`, 'no more than 100 items allowed');
    el.option_groups.forEach((g, i) => {
      const gp = `${p}/option_groups/${i}`;
      if (!isObj(g)) return add(gp, 'expected object');
      textObject(g.label, `${gp}/label`, add, { max: 75, plainOnly: true });
      options(g.options, `${gp}/options`);
    });
  }
  if (el.initial_option !== undefined) {
    const initial = canonical(el.initial_option);
    if (!all.some((o) => canonical(o) === initial)) add(`${p}/initial_option`, 'must exactly match one of the options');
  }
}

/** JSON with keys sorted, so two objects with the same fields compare equal whatever order they were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function imageElement(el: Obj, p: string, add: Add): void {
  if (el.image_url === undefined && el.slack_file === undefined) add(p, 'must provide either image_url or slack_file');
  if (el.image_url !== undefined && (typeof el.image_url !== 'string' || el.image_url.length > 3000)) {
    add(`${p}/image_url`, 'must be a string of less than 3001 characters');
  }
  if (typeof el.alt_text !== 'string') add(p, 'missing required field: alt_text');
  else if (el.alt_text.length > 2000) add(`${p}/alt_text`, 'must be less than 2001 characters');
}

function image(block: Obj, p: string, add: Add): void {
  imageElement(block, p, add);
  if (block.title !== undefined) textObject(block.title, `${p}/title`, add, { max: 2000, plainOnly: true });
}

function richText(block: Obj, p: string, add: Add): void {
  const els = block.elements;
  if (!Array.isArray(els)) return add(p, 'missing required field: elements');
  els.forEach((el, i) => {
    if (!isObj(el) || typeof el.type !== 'string' || !RICH_TEXT_ELEMENTS.has(el.type)) {
      add(`${p}/elements/${i}/type`, `must be one of: ${[...RICH_TEXT_ELEMENTS].join(', ')}`);
    }
  });
}

/** Slack's response for bad blocks: the problems both as `errors` and as `[ERROR]` response_metadata messages. */
export function blocksError(problems: BlockProblem[], error = 'invalid_blocks'): Record<string, unknown> {
  const lines = problems.map((x) => `${x.message} [json-pointer:${x.pointer}]`);
  return { ok: false, error, errors: lines, response_metadata: { messages: lines.map((l) => `[ERROR] ${l}`) } };
}
