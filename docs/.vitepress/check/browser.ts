// `pnpm test:docs`: serves the built site (docs/.vitepress/dist, from `pnpm docs:build`) and
// opens it in the distribution's headless Chromium through playwright-core (no browser
// download). Each page must render its heading with no console error, no page error and no
// failed request; navigation by the site's own links must work; the benchmarks' SVG charts
// and the Mermaid state diagram must be drawn. Screenshots go to docs/.screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { serveStatic } from './static-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '../dist');
const shots = join(here, '../../.screenshots');
const chromiumPath = process.env.LEASEHOLD_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Check {
  readonly name: string;
  run(page: Page, base: string): Promise<void>;
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Opens `path`, waits for the page's h1 and the network to settle, and screenshots it. */
async function open(page: Page, base: string, path: string, shot: string, heading: RegExp) {
  await page.goto(base + path, { waitUntil: 'networkidle' });
  const h1 =
    (await page.locator('main h1, .VPHero .name').first().textContent({ timeout: 10_000 })) ?? '';
  expect(heading.test(h1), `${path}: heading "${h1.trim()}" does not match ${heading}`);
  await page.screenshot({ path: join(shots, `${shot}.png`) });
}

const checks: Check[] = [
  {
    name: 'home page, then its "Getting started" button',
    async run(page, base) {
      await open(page, base, '/', 'home', /leasehold/);
      const features = await page.locator('.VPFeature').count();
      expect(features === 4, `home: ${features} feature cards, expected 4`);
      await page.getByRole('link', { name: 'Getting started' }).first().click();
      await page.waitForURL(/\/getting-started$/);
      const h1 = await page.locator('main h1').first().textContent();
      expect(h1?.includes('Getting started'), `after navigation: h1 "${h1}"`);
    },
  },
  {
    name: 'a guide, then the sidebar to another guide',
    async run(page, base) {
      await open(page, base, '/guides/deploying', 'guide-deploying', /Deploying to Kubernetes/);
      await page.locator('.VPSidebar').getByRole('link', { name: 'Troubleshooting' }).click();
      await page.waitForURL(/\/guides\/troubleshooting$/);
      await page.locator('main h1', { hasText: 'Troubleshooting' }).waitFor();
      await page.screenshot({ path: join(shots, 'guide-troubleshooting.png') });
    },
  },
  {
    name: 'the API reference index, then a function page',
    async run(page, base) {
      await open(page, base, '/reference/api/', 'api-index', /API reference/);
      await page.getByRole('link', { name: '@leasehold/election' }).first().click();
      await page.waitForURL(/\/reference\/api\/election\/src\/?$/);
      await page
        .locator('main')
        .getByRole('link', { name: 'createLeaderElector', exact: true })
        .first()
        .click();
      await page.waitForURL(/createLeaderElector$/);
      const text = (await page.locator('main').textContent()) ?? '';
      expect(
        text.includes('LeaderElectorOptions'),
        'createLeaderElector page does not mention its options',
      );
      await page.screenshot({ path: join(shots, 'api-createLeaderElector.png') });
    },
  },
  {
    name: 'the benchmarks page draws its SVG charts',
    async run(page, base) {
      await open(page, base, '/benchmarks', 'benchmarks', /Benchmarks/);
      const charts = page.locator('main img[src*="svg"]');
      const count = await charts.count();
      expect(count >= 4, `benchmarks: ${count} SVG charts, expected 4`);
      for (let i = 0; i < count; i++) {
        const chart = charts.nth(i);
        await chart.scrollIntoViewIfNeeded();
        const width = await chart.evaluate((img) => (img as HTMLImageElement).naturalWidth);
        expect(width > 0, `benchmarks: chart ${i + 1} did not load`);
      }
      await charts.first().screenshot({ path: join(shots, 'benchmarks-chart.png') });
    },
  },
  {
    name: 'the state machine page renders its Mermaid diagram',
    async run(page, base) {
      await open(page, base, '/state-diagram', 'state-diagram', /state machine/i);
      const svg = page.locator('main .mermaid svg').first();
      await svg.waitFor({ timeout: 15_000 });
      const box = await svg.boundingBox();
      expect(
        box && box.width > 100 && box.height > 100,
        `state diagram drawn at ${JSON.stringify(box)}`,
      );
      await svg.screenshot({ path: join(shots, 'state-diagram-svg.png') });
    },
  },
];

async function main(): Promise<void> {
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const server = await serveStatic(dist);
  const profile = mkdtempSync(join(tmpdir(), 'leasehold-docs-chromium-'));
  let context: BrowserContext | undefined;
  let failed = 0;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 860 },
    });
    for (const check of checks) {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) =>
        problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`),
      );
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      try {
        await check.run(page, server.url);
      } catch (error) {
        problems.push(String(error instanceof Error ? error.message : error));
      }
      await page.close();
      if (problems.length === 0) {
        console.log(`✓ ${check.name}`);
      } else {
        failed++;
        console.log(`✗ ${check.name}\n    ${problems.join('\n    ')}`);
      }
    }
  } finally {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`screenshots in ${shots}`);
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  if (failed > 0) process.exit(1);
}

await main();
