import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    manifest: true,
    // Keep every asset a file of its own (no data: URLs), as on a real site.
    assetsInlineLimit: 0,
  },
  worker: {
    format: 'es',
  },
});
