// ESLint flat config: plain browser-extension modules, no build step.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/**", "web-ext-artifacts/**"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.webextensions, ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["eslint.config.js", "tools/**/*.js", "test/**/*.js"],
    languageOptions: { globals: globals.node },
  },
];
