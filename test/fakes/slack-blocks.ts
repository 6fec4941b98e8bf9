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
const RICH_TEXT_ELEMENTS = new Set(['rich_text_section', 'rich_text_list', 'rich_text_preformatted', 'rich_text_quote']);
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
      if (typeof block.block_id !== 'string' || block.block_id.length === 0) add(`${p}/block_id`, 'must be a non-empty string');
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
    add(opts.pointer, `the cumulative length of markdown blocks must be less than ${MARKDOWN_TOTAL_MAX + 1} characters`);
  }
  return out;
}

type Add = (pointer: string, message: string) => void;

function textObject(v: unknown, p: string, add: Add, o: { max: number; plainOnly?: boolean }): void {
  if (v === undefined) return add(p.slice(0, p.lastIndexOf('/')), `missing required field: ${p.slice(p.lastIndexOf('/') + 1)}`);
  if (!isObj(v)) return add(p, 'expected object');
  if (v.type !== 'plain_text' && v.type !== 'mrkdwn') return add(`${p}/type`, 'must be one of: plain_text, mrkdwn');
  if (o.plainOnly && v.type !== 'plain_text') return add(`${p}/type`, 'must be plain_text');
  if (typeof v.text !== 'string') return add(p, 'missing required field: text');
  if (v.text.length === 0) return add(`${p}/text`, 'must be more than 0 characters');
  if (v.text.length > o.max) add(`${p}/text`, `must be less than ${o.max + 1} characters`);
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
        if (b.accessibility_label !== undefined && (typeof b.accessibility_label !== 'string' || b.accessibility_label.length > 75)) {
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
  if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger') add(`${p}/style`, 'must be one of: primary, danger');
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
