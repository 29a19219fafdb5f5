import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig, type Plugin } from 'vitest/config';

// The build goes straight into the Python package, which serves it at "/".
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, '../server/copytrade/web');
// Where `npm run dev` sends API and websocket traffic (a running `copytrade serve`).
const backend = process.env.COPYTRADE_DEV_BACKEND ?? 'http://127.0.0.1:8000';

const proxy = {
  '/api': { target: backend, changeOrigin: false, ws: true },
  '/healthz': { target: backend },
};

/** emptyOutDir wipes the folder; keep the tracked placeholder so git stays clean. */
function keepGitkeep(): Plugin {
  return {
    name: 'keep-gitkeep',
    apply: 'build',
    closeBundle() {
      writeFileSync(resolve(outDir, '.gitkeep'), '');
    },
  };
}

export default defineConfig({
  plugins: [preact(), tailwindcss(), keepGitkeep()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  // `npm run dev` / `vite preview`: the app from Vite, the API from a running server.
  server: { proxy },
  preview: { proxy },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
