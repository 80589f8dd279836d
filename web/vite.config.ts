import { defineConfig } from 'vite';

/**
 * The admin dashboard build: `npm run build` runs `vite build --config web/vite.config.ts` from the package
 * root into `dist/web`, which the gateway serves at UI_PATH. Asset URLs are relative (`base: './'`) and the
 * gateway sets `<base href>` to wherever it mounts the pages.
 */
export default defineConfig({
  root: 'web',
  base: './',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows no inline script, so nothing may be injected into index.html.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
});
