// `web-ext lint`, failing on every error and warning except those a cross-browser MV3 manifest
// must have (Firefox ignores "service_worker"; Chromium uses it and ignores "scripts").
import { execFileSync } from "node:child_process";

const EXPECTED = new Set(["BACKGROUND_SERVICE_WORKER_IGNORED"]);

let output;
try {
  output = execFileSync(
    "npx",
    ["web-ext", "lint", "--source-dir", ".", "--self-hosted", "--output", "json", "--no-config-discovery"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
} catch (error) {
  output = error.stdout; // web-ext exits non-zero on errors; the report is still on stdout
}
const report = JSON.parse(output.slice(output.indexOf("{")));
const problems = [...report.errors, ...report.warnings, ...report.notices].filter(
  (item) => !EXPECTED.has(item.code),
);
for (const item of problems) {
  console.error(`${item._type} ${item.code}: ${item.message} ${item.file || ""}\n  ${item.description}`);
}
console.log(
  `web-ext lint: ${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ` +
    `${problems.length} unexpected`,
);
process.exit(problems.length ? 1 : 0);
