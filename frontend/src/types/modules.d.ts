// Packages that ship no types. `hyphen`: each language module exports the same functions.
declare module "hyphen/*/index.js" {
  const hyphen: {
    hyphenateSync(text: string, options?: { hyphenChar?: string; minWordLength?: number }): string;
  };
  export default hyphen;
}

// Signalsmith Stretch ships no types: its default export makes the AudioWorklet node.
declare module "signalsmith-stretch" {
  const SignalsmithStretch: (ctx: BaseAudioContext, options?: AudioWorkletNodeOptions) => Promise<AudioWorkletNode>;
  export default SignalsmithStretch;
}
