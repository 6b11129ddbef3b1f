/**
 * Where to split a syllable the editor wants in two ("tonight" → "to" + "night", not "toni" +
 * "ght"). The song's language's hyphenation patterns (the `hyphen` package: Liang's TeX
 * patterns, the same family pyphen uses when the backend splits words) give the boundaries a
 * singer reads; where they give none ("tonight", "every" are never hyphenated in print) the
 * word is cut at its vowel groups, as the backend does for a language without a dictionary.
 */

/** Inserts soft hyphens (U+00AD) at a word's hyphenation points. */
export type Hyphenate = (word: string) => string;

const SOFT_HYPHEN = "\u00ad";
const VOWELS = /[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ]+/giu;

/** Offsets inside `text` where it may be split, from the patterns, else from its vowel groups. */
export function splitOffsets(text: string, hyphenate?: Hyphenate | null): number[] {
  if (hyphenate) {
    const marked = hyphenate(text);
    const offsets: number[] = [];
    let at = 0;
    for (const ch of marked) {
      if (ch === SOFT_HYPHEN) offsets.push(at);
      else at += ch.length;
    }
    if (offsets.length) return offsets;
    const ing = /^(.*[a-z].*?)(ing\W*)$/i.exec(text); // print never splits "sing-ing"; singers do
    if (ing && ing[1]!.length >= 2 && /[aeiouy]/i.test(ing[1]!)) return [ing[1]!.length];
  }
  return vowelGroupOffsets(text);
}

/** One cut between each pair of vowel groups; the last consonant between them opens the next. */
export function vowelGroupOffsets(text: string): number[] {
  const nuclei = [...text.matchAll(VOWELS)].map((m) => [m.index!, m.index! + m[0].length] as const);
  const offsets: number[] = [];
  for (let i = 1; i < nuclei.length; i++) {
    const end = nuclei[i - 1]![1];
    const start = nuclei[i]![0];
    offsets.push(start - end >= 1 ? start - 1 : start);
  }
  return offsets.filter((o) => o > 0 && o < text.length);
}

/** The split nearest the middle of `text`; the middle itself when it has no syllable boundary. */
export function defaultSplit(text: string, hyphenate?: Hyphenate | null): number {
  const middle = text.length / 2;
  const offsets = splitOffsets(text, hyphenate);
  if (!offsets.length) return Math.ceil(middle);
  return offsets.reduce((best, o) => (Math.abs(o - middle) < Math.abs(best - middle) ? o : best));
}

type Patterns = { default: { hyphenateSync: (text: string, options?: { hyphenChar?: string; minWordLength?: number }) => string } };

/** Pattern sets shipped, by language code (each a separate chunk, loaded when first needed). */
const PATTERNS: Record<string, () => Promise<Patterns>> = {
  en: () => import("hyphen/en-us/index.js") as Promise<Patterns>,
  de: () => import("hyphen/de/index.js") as Promise<Patterns>,
  fr: () => import("hyphen/fr/index.js") as Promise<Patterns>,
  es: () => import("hyphen/es/index.js") as Promise<Patterns>,
  it: () => import("hyphen/it/index.js") as Promise<Patterns>,
  pt: () => import("hyphen/pt/index.js") as Promise<Patterns>,
};

/** The hyphenator for a language ("en", "pt_BR" …), or null without patterns for it. */
export async function loadHyphenator(language: string | null | undefined): Promise<Hyphenate | null> {
  const load = PATTERNS[(language || "en").slice(0, 2).toLowerCase()];
  if (!load) return null;
  const { hyphenateSync } = (await load()).default;
  return (word) => hyphenateSync(word, { hyphenChar: SOFT_HYPHEN, minWordLength: 4 });
}
