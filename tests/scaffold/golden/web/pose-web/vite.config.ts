import { defineConfig } from "vite";

// Cross-origin isolation lets the WASM runtime use threads (SharedArrayBuffer); the same headers
// are sent by the dev server and by `vite preview`, which the Playwright tests run against.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export default defineConfig({
  resolve: {
    // The package's default entry imports a file it does not ship; its ES module bundle is complete.
    alias: [{ find: /^@tensorflow\/tfjs-tflite$/, replacement: "@tensorflow/tfjs-tflite/dist/tf-tflite.fesm.js" }],
  },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
});
