// Builds the pitch shifter's AudioWorklet module as a file of the app (worklets/signalsmith-stretch.js).
// Signalsmith Stretch makes its worklet from its own source as a blob: URL, which a strict
// Content-Security-Policy (script-src 'self') refuses; given `moduleUrl`, it loads that instead.
// The module is the package's own code up to its main-thread wrapper, then the registration the
// package would have done in the blob (same code, same key).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Plugin } from "vite";

export const STRETCH_WORKLET = "worklets/signalsmith-stretch.js";

function workletSource(): string {
  const file = createRequire(import.meta.url).resolve("signalsmith-stretch");
  const text = readFileSync(file, "utf8");
  const wrapper = text.indexOf("\nSignalsmithStretch = ((Module, audioNodeKey) =>");
  if (wrapper < 0 || !text.includes("function registerWorkletProcessor(Module, audioNodeKey)")) {
    throw new Error(`signalsmith-stretch changed shape (${file}): update stretch-worklet.ts`);
  }
  return `${text.slice(0, wrapper)}\nregisterWorkletProcessor(SignalsmithStretch, "signalsmith-stretch");\n`;
}

export function stretchWorklet(): Plugin {
  return {
    name: "performia-stretch-worklet",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: STRETCH_WORKLET, source: workletSource() });
    },
    configureServer(server) {
      server.middlewares.use(`/${STRETCH_WORKLET}`, (_req, res) => {
        res.setHeader("Content-Type", "text/javascript");
        res.end(workletSource());
      });
    },
  };
}
