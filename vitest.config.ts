import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@leasehold/source'] },
  ssr: { resolve: { conditions: ['@leasehold/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.deep.test.ts', '**/*.kube.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
