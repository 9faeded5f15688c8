// Builds the web app (web/src) into dist/web, which the server serves (src/modules/web/app-shell.ts);
// `npm run dev` runs the same config inside the server with hot reload. The strict
// Content-Security-Policy allows no inline code, so nothing here may inject any into index.html.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // web/public is not used: every file the app loads is hashed under /assets/.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Every browser the app supports preloads modules itself; the polyfill would be extra code.
    modulePreload: { polyfill: false },
  },
});
