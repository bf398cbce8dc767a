// ESLint over the project's own scripts (gis/static/gis/; vendored libraries are not linted).
// Run from the repository root by `make lint`; the configuration is here so that nothing of
// it lands in the static files.
import js from "@eslint/js";
import { ESLint } from "eslint";
import globals from "globals";

const config = [
  { files: ["**/*.js"], ...js.configs.recommended },
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly" },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none" }],
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];

const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: true, overrideConfig: config });
const results = await eslint.lintFiles(["gis/static/gis/**/*.js"]);
const formatter = await eslint.loadFormatter("stylish");
const text = await formatter.format(results);
if (text) console.log(text);
process.exitCode = results.some((r) => r.errorCount > 0) ? 1 : 0;
