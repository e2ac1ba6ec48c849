// The report viewer as one classic script plus one stylesheet, inlined into every HTML report
// (src/report/html.ts) by web/build.mjs.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  logLevel: 'warn',
  publicDir: false,
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    cssCodeSplit: false,
    lib: {
      entry: here('src/main.ts'),
      formats: ['iife'],
      name: 'pprofDiagReport',
      fileName: () => 'viewer.js',
      cssFileName: 'viewer',
    },
  },
});
