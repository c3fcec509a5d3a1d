/**
 * Lets Node run this repository's TypeScript sources directly (type stripping). They import
 * each other as `./x.js`, the way `tsc` with `nodenext` wants; this resolver maps such an
 * import to `./x.ts` when there is no `.js` file. Imported (for its effect) by the entry
 * points `run.ts` and `report.ts` before anything else.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (
      (specifier.startsWith('./') || specifier.startsWith('../')) &&
      specifier.endsWith('.js') &&
      parent?.startsWith('file:') === true &&
      !parent.includes('/node_modules/')
    ) {
      const js = new URL(specifier, parent);
      if (!existsSync(fileURLToPath(js))) {
        const ts = new URL(specifier.replace(/\.js$/, '.ts'), parent);
        if (existsSync(fileURLToPath(ts))) return nextResolve(ts.href, context);
      }
    }
    return nextResolve(specifier, context);
  },
});
