import { defineConfig } from "@playwright/test";

// The tests run the built app (`npm run build`) in `vite preview` and drive the system Chromium
// headless; no browser is downloaded. CHROMIUM_PATH overrides where it is, PORT the preview port.
const port = Number(process.env.PORT ?? 4173);
const common = [
  "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
  "--disable-dev-shm-usage",
];
// Software WebGL (SwiftShader through ANGLE) where the machine has no GPU; WASM runs without one.
const flags: Record<string, string[]> = {
  wasm: [...common, "--disable-gpu"],
  cpu: [...common, "--disable-gpu"],
  webgl: [...common, "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
          "--ignore-gpu-blocklist"],
};
// One Playwright project per backend the runtime offers; `--project wasm` runs one of them.
const backends: string[] = ["wasm"];

export default defineConfig({
  testDir: "tests",
  timeout: 180_000,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    screenshot: "only-on-failure",
  },
  projects: backends.map((backend) => ({
    name: backend,
    use: {
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
        args: flags[backend] ?? [...common, "--disable-gpu"],
      },
    },
  })),
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
