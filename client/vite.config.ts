import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The GraphQL server's dev port; `npm run dev -w server` listens here.
const SERVER = process.env.LOCKFRAME_SERVER_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [
    sveltekit({
      // A single-page app: the server answers every unknown GET with build/index.html.
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
      // Runes everywhere in our code; leave dependencies' components to decide for themselves.
      compilerOptions: { runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true) },
    }),
  ],
  server: {
    port: 5173,
    strictPort: false,
    // Same-origin in the browser, so the HttpOnly session cookie just works in dev too.
    proxy: {
      '/graphql': { target: SERVER, changeOrigin: false },
      '/media': { target: SERVER, changeOrigin: false },
      '/export': { target: SERVER, changeOrigin: false },
      '/playground': { target: SERVER, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/graphql': { target: SERVER, changeOrigin: false },
      '/media': { target: SERVER, changeOrigin: false },
      '/export': { target: SERVER, changeOrigin: false },
    },
  },
});
