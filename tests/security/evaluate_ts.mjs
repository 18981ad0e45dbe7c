// Transpile TypeScript files with the typescript package (syntax errors reported, types stripped),
// and evaluate the ones asked for as ES modules, printing what they export as JSON.
// Usage: node evaluate_ts.mjs TYPESCRIPT_DIR SCRATCH_DIR FILE... ; a FILE prefixed with "eval:" is
// also evaluated (with import.meta.env.BASE_URL = "/", as Vite would define it).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

const [typescriptDir, scratch, ...files] = process.argv.slice(2);
const ts = createRequire(join(typescriptDir, "package.json"))("typescript");
const report = {};
let index = 0;
for (const entry of files) {
  const evaluate = entry.startsWith("eval:");
  const file = evaluate ? entry.slice(5) : entry;
  const result = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const problems = (result.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  const record = { problems };
  if (evaluate && problems.length === 0) {
    const out = join(scratch, `${index++}-${basename(file)}.mjs`);
    writeFileSync(out, 'import.meta.env = { BASE_URL: "/" };\n' + result.outputText);
    const module = await import(pathToFileURL(out).href);
    record.exports = JSON.parse(JSON.stringify(module));
  }
  report[file] = record;
}
report.pwned = globalThis.PWNED === undefined ? null : String(globalThis.PWNED);
console.log(JSON.stringify(report));
