import { defineConfig } from 'vitest/config';

// Unit tests of the client's plain TypeScript logic only; browser end-to-end tests live elsewhere.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
