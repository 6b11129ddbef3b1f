import { defineConfig } from "vitest/config";

// Unit tests: pure logic in src/ (no browser); browser tests live in e2e/ and run with node:test.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
