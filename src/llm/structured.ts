import type Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import type { z } from 'zod';
import { LunaError } from '../infra/errors.js';
import { Watchdog, type CallClass } from './call-watch.js';
import { usageOf, type MessageParam, type ModelUsage, type TextBlockParam } from './client.js';
import { classifyModelError } from './model-errors.js';

export interface StructuredRequest<S extends z.ZodType> {
  model: string;
  system: TextBlockParam[];
  messages: MessageParam[];
  schema: S;
  maxTokens: number;
  /** Non-streaming calls get a deadline instead of the stream watchdog; time queued in the model gate does not count. */
  timeoutMs: number;
  /** Whether a person waits on this call (see CallClass). @defaultValue 'background' */
  callClass?: CallClass;
}

/** The output format of a schema, converted to JSON Schema once per schema object rather than once per call. */
const formats = new WeakMap<z.ZodType, ReturnType<typeof zodOutputFormat>>();
function formatOf<S extends z.ZodType>(schema: S): ReturnType<typeof zodOutputFormat<S>> {
  let format = formats.get(schema);
  if (!format) formats.set(schema, (format = zodOutputFormat(schema)));
  return format as ReturnType<typeof zodOutputFormat<S>>;
}

/**
 * A structured-output call (`output_config.format` from the zod schema). Output that fails the schema
 * gets one more try with the validation error shown to the model; a second failure is
 * `luna_model_output_invalid` (retriable: a later attempt may well succeed).
 */
export async function callStructured<S extends z.ZodType>(
  client: Anthropic,
  req: StructuredRequest<S>,
): Promise<{ value: z.infer<S>; usage: ModelUsage }> {
  const format = formatOf(req.schema);
  let messages = req.messages;
  const total: ModelUsage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  for (let attempt = 1; ; attempt++) {
    let raw = '';
    const deadline = new Watchdog(req.timeoutMs, req.callClass ?? 'background');
    try {
      const msg = await deadline.start(() =>
        client.messages.create(
          { model: req.model, max_tokens: req.maxTokens, system: req.system, messages, output_config: { format } },
          { signal: deadline.signal },
        ),
      );
      const u = usageOf(msg.usage);
      for (const k of Object.keys(total) as (keyof ModelUsage)[]) total[k] += u[k];
      raw = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return { value: format.parse(raw), usage: total };
    } catch (err) {
      if (deadline.expired) {
        throw new LunaError('luna_model_stalled', `model sent no answer within ${req.timeoutMs} ms; aborted`, {
          retriable: true,
          cause: err,
        });
      }
      const invalid = raw !== '' && !(err instanceof LunaError);
      if (!invalid) throw classifyModelError(err);
      if (attempt >= 2) {
        throw new LunaError(
          'luna_model_output_invalid',
          `model output failed the schema twice: ${(err as Error).message}`,
          {
            retriable: true,
            cause: err,
          },
        );
      }
      messages = [
        ...messages,
        { role: 'assistant', content: raw },
        {
          role: 'user',
          content: `That output did not match the required schema:\n${(err as Error).message}\nReply again with JSON that matches it exactly.`,
        },
      ];
    } finally {
      deadline.stop();
    }
  }
}
