import { z } from 'zod';

/** Field schemas that several sections of `luna.config.yml` share, written once. */

export const userOrGroupId = z
  .string()
  .regex(/^[UWS][A-Z0-9]{2,}$/, 'must be a Slack user ID (U…/W…) or user-group ID (S…)');
export const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID (C…/G…)');

export const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Berlin');

/** Customer channels a feature reads: every customer channel, none (the usual default), or a list of channel IDs. */
export const channelChoice = z.union([z.literal('all'), z.literal('none'), z.array(channelId)], {
  error: 'must be all, none, or a list of channel IDs (C…/G…)',
});

/** Emoji names as Slack sends them in `reaction_added` (`white_check_mark`); `:colons:` are accepted and dropped. */
export const emojiName = z
  .string()
  .transform((s) => s.trim().replace(/^:|:$/g, ''))
  .pipe(z.string().regex(/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/, 'must be an emoji name such as white_check_mark'));
