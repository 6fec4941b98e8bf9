import { z } from 'zod';

const suggestedPrompt = z
  .object({ title: z.string().trim().min(1).max(75), message: z.string().trim().min(1).max(2000) })
  .strict();

/** Frontmatter keys both dialects share. `name` is honoured in either; it falls back to the file name. */
const sharedKeys = {
  description: z.string().trim().min(1),
  model: z.string().optional(),
  name: z.string().trim().min(1).optional(),
  /** What the DM with the persona suggests before anyone types (at most four, as Slack shows). */
  suggestedPrompts: z.array(suggestedPrompt).min(1).max(4).optional(),
  /** What the status rotates through while the persona works in a DM (at most ten, as Slack takes). */
  loadingMessages: z.array(z.string().trim().min(1).max(150)).min(1).max(10).optional(),
};

/** Claude-Code-style agent file: `name`, `description`, `model`, `color`. */
export const agentFrontmatterSchema = z.object({ ...sharedKeys, color: z.string().optional() });

/** Copilot-style chatmode file: `description`, `model`, `tools` (a list of tool names). */
export const chatmodeFrontmatterSchema = z.object({ ...sharedKeys, tools: z.array(z.string()) });

export type AgentFrontmatter = z.infer<typeof agentFrontmatterSchema>;
export type ChatmodeFrontmatter = z.infer<typeof chatmodeFrontmatterSchema>;

export const dialectSchema = z.enum(['agent', 'chatmode']);
export type Dialect = z.infer<typeof dialectSchema>;

export const scalingApproachSchema = z.object({
  /** Areas the AI handles on its own. */
  aiHandles: z.array(z.string()),
  /** Areas that need a human decision: the escalation areas `luna.config.yml` assigns owners to. */
  humanHandles: z.array(z.string()),
  /** How hand-offs between the two work, as the persona words it. */
  collaboration: z.string().optional(),
});
export type ScalingApproach = z.infer<typeof scalingApproachSchema>;

/** A loaded persona: the frontmatter as declared, plus what the registry derives from the file and its body. */
export const personaSchema = agentFrontmatterSchema.pick({ description: true, color: true }).extend({
  tools: chatmodeFrontmatterSchema.shape.tools.optional(),
  /** File name without `.md`; what `persona:` in luna.config.yml refers to. */
  id: z.string(),
  /** `name` from the frontmatter, else the id. */
  name: z.string(),
  /** Path for messages, e.g. `personas/luna.md`. */
  file: z.string(),
  dialect: dialectSchema,
  /** Resolved Claude model id, always one the API accepts. */
  model: z.string(),
  /** `model` as written in the file, when there was one. */
  declaredModel: z.string().optional(),
  /** Things an operator should know that do not stop start-up (`<file>: <field>: <what>`). */
  warnings: z.array(z.string()),
  /** The Markdown body, trimmed. */
  systemPrompt: z.string(),
  scaling: scalingApproachSchema,
  /** Coordination handles named in the body as `@word`, lower-cased, in order of first mention. */
  handles: z.array(z.string()),
  /** The NOT MY SCOPE answer template, when the body has one. */
  refusal: z.string().optional(),
  /** From the frontmatter, else a chatmode body's "Example Prompts"; absent when the persona names none. */
  suggestedPrompts: z.array(suggestedPrompt).optional(),
  loadingMessages: z.array(z.string()).optional(),
});
export type Persona = z.infer<typeof personaSchema>;
