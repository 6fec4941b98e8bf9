/**
 * Greetings, thanks, acknowledgements, farewells and emoji-only messages are never requests (PRODUCT.md:
 * "Greetings, thanks and acknowledgements never do"). Decided here, without a model call, before any other
 * detection: a message is a pleasantry when it is nothing but such phrases (with a few filler words and, after a
 * greeting or thanks, one name), or nothing but emoji. Anything else — a question mark, a word that is none of
 * these — is left to the configured detection.
 */

const GREETINGS = [
  'hi',
  'hello',
  'hey',
  'heya',
  'hiya',
  'howdy',
  'yo',
  'greetings',
  'good morning',
  'good afternoon',
  'good evening',
  'morning',
  'afternoon',
  'evening',
  'gm',
  'hallo',
  'hola',
  'bonjour',
  'ciao',
  'moin',
  'servus',
  'guten morgen',
  'guten tag',
  'happy friday',
  'happy monday',
];
const THANKS = [
  'thanks',
  'thank you',
  'thankyou',
  'thank u',
  'thx',
  'thnx',
  'tx',
  'ty',
  'tysm',
  'tyvm',
  'cheers',
  'many thanks',
  'much appreciated',
  'appreciated',
  'appreciate it',
  'appreciate that',
  'appreciate you',
  'danke',
  'danke schön',
  'vielen dank',
  'merci',
  'gracias',
  'kudos',
];
const ACKNOWLEDGEMENTS = [
  'ok',
  'okay',
  'okey',
  'k',
  'kk',
  'alright',
  'all right',
  'got it',
  'gotcha',
  'noted',
  'understood',
  'will do',
  'sure',
  'sure thing',
  'yes',
  'yep',
  'yeah',
  'yup',
  'sounds good',
  'sounds great',
  'sounds perfect',
  'makes sense',
  'that makes sense',
  'great',
  'great news',
  'perfect',
  'awesome',
  'cool',
  'nice',
  'super',
  'brilliant',
  'excellent',
  'wonderful',
  'amazing',
  'fantastic',
  'lovely',
  'good',
  'good to know',
  'all good',
  'no problem',
  'no worries',
  'np',
  'lgtm',
  'love it',
  'that works',
  'works for me',
  'it works',
  'it works now',
  'that helps',
  'that helped',
  'that did it',
  'that did the trick',
  'will check',
  'on it',
];
const FAREWELLS = [
  'bye',
  'goodbye',
  'bye bye',
  'see you',
  'see ya',
  'talk soon',
  'take care',
  'have a good day',
  'have a nice day',
  'have a great day',
  'have a good weekend',
  'have a nice weekend',
  'have a great weekend',
  'have a good one',
  'speak soon',
];
/** Words that may surround the phrases without making the message about anything. */
const FILLERS = new Set(
  (
    'so much very a lot again all team everyone everybody guys folks yall you for the your help quick reply response ' +
    'support there now just really too and both this that it is as always in advance oh ah well indeed then once more of'
  ).split(' '),
);

/** Phrases as word lists, longest first, so "thank you" is one phrase rather than "thank" and "you". */
const PHRASES: Array<{ words: string[]; namable: boolean }> = [
  ...[...GREETINGS, ...THANKS, ...FAREWELLS].map((p) => ({ words: p.split(' '), namable: true })),
  ...ACKNOWLEDGEMENTS.map((p) => ({ words: p.split(' '), namable: false })),
].sort((a, b) => b.words.length - a.words.length);

/** A message of more words than this is about something, whatever its words are. */
const MAX_WORDS = 14;

/** Slack emoji codes (`:tada:`, `:pray::skin-tone-2:`), pictographs and emoticons. */
const EMOJI =
  /:[a-z0-9_+'-]+:(?::skin-tone-[2-6]:)?|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u200d|\ufe0f|[:;=8][-']?[)(DPp3]|<3|\^_\^/gu;

export function isPleasantry(text: string): boolean {
  const unmarked = text
    // Mentions and links say to whom, not what.
    .replace(/<[@#!][^>]*>/g, ' ')
    .trim();
  if (!unmarked) return false;
  if (unmarked.includes('?')) return false;
  const withoutEmoji = unmarked.replace(EMOJI, ' ').trim();
  if (!withoutEmoji) return true;
  // Words as typed (to see a capitalised name), then lower-cased; apostrophes kept ("y'all" → "yall").
  const typed = withoutEmoji
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (typed.length === 0 || typed.length > MAX_WORDS) return typed.length === 0;
  const words = typed.map((w) => w.toLowerCase());
  let matched = false;
  for (let i = 0; i < words.length;) {
    const phrase = PHRASES.find((p) => p.words.every((w, k) => words[i + k] === w));
    if (phrase) {
      matched = true;
      i += phrase.words.length;
      // "Thanks Anna", "Hi Tom": one capitalised word right after a greeting, thanks or farewell is a name.
      const next = typed[i];
      if (
        phrase.namable &&
        next &&
        /^\p{Lu}/u.test(next) &&
        !PHRASES.some((p) => p.words[0] === words[i]) &&
        !FILLERS.has(words[i]!)
      )
        i += 1;
      continue;
    }
    if (FILLERS.has(words[i]!)) {
      i += 1;
      continue;
    }
    return false;
  }
  return matched;
}
