import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { stretchWorklet } from "./stretch-worklet.ts";

// A static app: `npm run build` writes dist/, which the embedded viewer (`performia view DIR`)
// serves at / and a bucket or CDN serves in the cloud. Paths are relative so dist/ works under
// any prefix. Firebase is only loaded in cloud mode (dynamic import), so it is its own chunk.
export default defineConfig({
  base: "./",
  plugins: [react(), stretchWorklet()],
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a running viewer: `performia view DIR --port 8765`.
    proxy: {
      "/data": "http://127.0.0.1:8765",
      "/api": "http://127.0.0.1:8765",
      "/config.json": "http://127.0.0.1:8765",
    },
  },
});
