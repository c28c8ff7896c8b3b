// Runs the JavaScript/TypeScript anchors on a directory and prints one JSON line per
// function-level message: ESLint's core `complexity` (cyclomatic) and eslint-plugin-sonarjs's
// `cognitive-complexity` (S3776), both at threshold 0 so that every function is reported.
//
//   node bench/anchors/eslint.mjs DIR > anchors.jsonl
import { ESLint } from "eslint";
import sonarjs from "eslint-plugin-sonarjs";
import tsParser from "@typescript-eslint/parser";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? ".");
const rules = {
  complexity: ["error", 0],
  "sonarjs/cognitive-complexity": ["error", 0],
};
// JavaScript is linted as an ES module first; files that only parse as CommonJS scripts
// (sloppy-mode code) are linted again as such.
const lint = async (jsSourceType, patterns) => {
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    errorOnUnmatchedPattern: false,
    overrideConfig: [
      { ignores: ["**/*.d.ts", "**/*.min.js"] },
      {
        files: ["**/*.js", "**/*.cjs", "**/*.mjs", "**/*.jsx"],
        plugins: { sonarjs },
        languageOptions: {
          ecmaVersion: "latest",
          sourceType: jsSourceType,
          parserOptions: { ecmaFeatures: { jsx: true } },
        },
        rules,
      },
      {
        files: ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"],
        plugins: { sonarjs },
        languageOptions: { parser: tsParser, sourceType: "module" },
        rules,
      },
    ],
  });
  return eslint.lintFiles(patterns);
};

const fatal = (result) => result.messages.some((m) => m.fatal);
let results = await lint("module", ["."]);
const retry = results.filter((r) => fatal(r) && /\.c?js$/.test(r.filePath)).map((r) => r.filePath);
if (retry.length > 0) {
  const again = new Map((await lint("commonjs", retry)).map((r) => [r.filePath, r]));
  results = results.map((r) => again.get(r.filePath) ?? r);
}
for (const result of results) {
  const file = path.relative(dir, result.filePath);
  for (const m of result.messages) {
    if (m.fatal) {
      process.stdout.write(JSON.stringify({ file, fatal: m.message, line: m.line }) + "\n");
      continue;
    }
    let value = null;
    if (m.ruleId === "complexity") value = Number(/complexity of (\d+)/.exec(m.message)?.[1]);
    if (m.ruleId === "sonarjs/cognitive-complexity") value = Number(/from (\d+) to/.exec(m.message)?.[1]);
    if (value === null) continue;
    process.stdout.write(
      JSON.stringify({ file, rule: m.ruleId, line: m.line, column: m.column, value, message: m.message }) + "\n",
    );
  }
}
