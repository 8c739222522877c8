import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The dev API gateway (DEV_PORTS.api in packages/ops/src/plan.ts). */
const DEV_API = 'http://127.0.0.1:3001';

export default defineConfig({
  base: '/',
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': DEV_API,
      '/health': DEV_API,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
