import { defineConfig } from "vite";

// Cross-origin isolation lets the WASM runtime use threads (SharedArrayBuffer); the same headers
// are sent by the dev server and by `vite preview`, which the Playwright tests run against.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
});
