// Copies the WebAssembly files of the installed model runtime into public/runtime/, so the app
// serves them itself (no CDN at run time). Runs before `dev`, `build` and `test` (package.json).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const target = join(root, "public", "runtime");

// package -> [folder inside the package, destination under public/runtime, which files]
const SOURCES = [
  { pkg: "@tensorflow/tfjs-tflite", from: "wasm", to: "tflite", keep: (f) => f.endsWith(".wasm") || f.endsWith(".js") },
  { pkg: "@tensorflow/tfjs-backend-wasm", from: "dist", to: "tfjs", keep: (f) => f.endsWith(".wasm") },
];

rmSync(target, { recursive: true, force: true });
let copied = 0;
for (const source of SOURCES) {
  const pkgDir = join(modules, ...source.pkg.split("/"));
  if (!existsSync(pkgDir)) continue; // this project does not use that runtime
  const from = join(pkgDir, source.from);
  const files = existsSync(from) ? readdirSync(from).filter(source.keep) : [];
  if (files.length === 0) {
    console.error(`copy-runtime: ${source.pkg} is installed but ${from} holds no runtime files; reinstall it (npm ci)`);
    process.exit(1);
  }
  mkdirSync(join(target, source.to), { recursive: true });
  for (const file of files) cpSync(join(from, file), join(target, source.to, file));
  copied += files.length;
  console.log(`copy-runtime: ${files.length} files of ${source.pkg} -> public/runtime/${source.to}/`);
}
if (copied === 0) {
  console.error("copy-runtime: no model runtime found in node_modules; run `npm install` first");
  process.exit(1);
}
