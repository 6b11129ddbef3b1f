// The `hyphen` package ships no types; each language module exports the same functions.
declare module "hyphen/*/index.js" {
  const hyphen: {
    hyphenateSync(text: string, options?: { hyphenChar?: string; minWordLength?: number }): string;
  };
  export default hyphen;
}
