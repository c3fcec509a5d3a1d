import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';
import { withMermaid } from 'vitepress-plugin-mermaid';
import { repositoryLinks } from './repository-links.ts';

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Pages other branches own: listed once they exist, so the build never links to nothing. */
function ifPresent(text: string, page: string): { text: string; link: string }[] {
  return existsSync(join(docsDir, `${page}.md`)) ? [{ text, link: `/${page}` }] : [];
}

const apiIndex = existsSync(join(docsDir, 'reference/api/index.md'));

export default withMermaid(
  defineConfig({
    title: 'leasehold',
    description: 'Leader election for Node.js on Kubernetes Leases, in TypeScript.',
    cleanUrls: true,
    lastUpdated: false,
    head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
    // Keep the benchmark charts as files (Vite would inline the small ones as data URLs).
    vite: { build: { assetsInlineLimit: 0, chunkSizeWarningLimit: 4096 } },
    // The build fails on a dead link (VitePress's default; never switched off here).
    srcExclude: ['**/README.md'],
    markdown: {
      config: (md) => {
        md.use(repositoryLinks, { docsDir });
      },
    },
    themeConfig: {
      nav: [
        { text: 'Getting started', link: '/getting-started' },
        { text: 'Concepts', link: '/concepts/terms-and-timing' },
        { text: 'Guides', link: '/guides/deploying' },
        { text: 'Reference', link: apiIndex ? '/reference/api/' : '/reference/cli' },
        { text: 'Evidence', link: '/safety' },
      ],
      sidebar: [
        {
          text: 'Introduction',
          items: [
            { text: 'Getting started', link: '/getting-started' },
            { text: 'The demo', link: '/demo' },
          ],
        },
        {
          text: 'Concepts',
          items: [
            { text: 'Terms, deadlines and timing', link: '/concepts/terms-and-timing' },
            { text: 'Fencing tokens', link: '/concepts/fencing' },
            { text: 'Guarantees and limits', link: '/concepts/guarantees' },
            { text: 'Architecture', link: '/architecture' },
            { text: 'State machine', link: '/state-diagram' },
          ],
        },
        {
          text: 'Guides',
          items: [
            { text: 'Using the API', link: '/guide' },
            { text: 'Deploying to Kubernetes', link: '/guides/deploying' },
            { text: 'RBAC', link: '/rbac' },
            ...ifPresent('Observability', 'observability'),
            { text: 'Testing your code', link: '/guides/testing' },
            { text: 'Tuning timings', link: '/guides/tuning' },
            { text: 'Running a command', link: '/guides/run-command' },
            ...ifPresent('leasehold run in depth', 'run'),
            { text: 'Many Leases in one process', link: '/guides/many-leases' },
            { text: 'Troubleshooting', link: '/guides/troubleshooting' },
            { text: 'Migrating', link: '/guides/migrating' },
          ],
        },
        {
          text: 'Reference',
          items: [
            ...(apiIndex ? [{ text: 'API (TypeDoc)', link: '/reference/api/' }] : []),
            { text: 'CLI', link: '/reference/cli' },
            { text: 'Lease record format', link: '/reference/lease-record' },
          ],
        },
        {
          text: 'Evidence',
          items: [
            { text: 'Safety', link: '/safety' },
            { text: 'Chaos', link: '/chaos' },
            { text: 'Benchmarks', link: '/benchmarks' },
            { text: 'Differences from kube-apiserver', link: '/kube-differences' },
            ...ifPresent('Mutation testing', 'mutation-survivors'),
          ],
        },
      ],
      search: { provider: 'local' },
      outline: 'deep',
    },
    mermaid: {},
  }),
);
