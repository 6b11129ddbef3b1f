// ESLint for the app and its build config: the TypeScript rules (typescript-eslint, recommended),
// React's (eslint-plugin-react, the JSX runtime) and the rules of hooks. `npm run lint`; part
// of `make test`. Generated files (src/types/: types and the Song Map validator) are not linted.
import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "src/types/songmap.ts", "src/types/wire.ts", "src/types/song_map.validate.*", "docs/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { react, "react-hooks": reactHooks },
    settings: { react: { version: "detect" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "react/prop-types": "off", // TypeScript checks props
    },
  },
  {
    files: ["scripts/**/*.mjs", "*.config.{js,ts}", "stretch-worklet.ts"],
    languageOptions: { globals: globals.node },
  },
  {
    // Node test files whose page.evaluate callbacks run in the browser.
    files: ["e2e/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
