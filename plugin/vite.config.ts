import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const pluginDir = fileURLToPath(new URL('.', import.meta.url));

// The backend serves the build under /app/ and the call and demo pages from
// other paths (/j/:token, /demo), so every asset URL must be absolute.
export default defineConfig({
  // Absolute, so the build works whatever directory it is started from.
  root: pluginDir,
  base: '/app/',
  publicDir: false,
  build: {
    outDir: resolve(pluginDir, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      // janus.js is a UMD build that tests `typeof module`; in a browser that is
      // undefined and it takes its window branch, so the warning is noise. Fluent UI marks
      // its modules "use client" for React Server Components, which a browser bundle has none of.
      checks: { commonJsVariableInEsm: false, moduleLevelDirective: false },
      input: {
        sidebar: resolve(pluginDir, 'sidebar.html'),
        call: resolve(pluginDir, 'call.html'),
        demo: resolve(pluginDir, 'demo.html'),
        recording: resolve(pluginDir, 'recording.html'),
        console: resolve(pluginDir, 'console.html'),
        'teams-tab': resolve(pluginDir, 'teams-tab.html'),
      },
    },
  },
  server: { host: '127.0.0.1', strictPort: true },
  preview: { host: '127.0.0.1', strictPort: true },
});
