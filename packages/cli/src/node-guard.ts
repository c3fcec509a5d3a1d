/**
 * Exits with one line on a Node.js older than 22.19, before anything else loads.
 *
 * @remarks
 * `bin.ts` imports this module first; ES modules evaluate in import order, so it runs before
 * `@kubernetes/client-node` 2.x (through undici 8), which would otherwise crash while loading
 * with a TypeError that says nothing about the Node.js version. Kept free of imports so that it
 * works on any Node.js that runs ES modules.
 *
 * @module
 */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `leasehold: needs Node.js >= 22.19.0; this is Node.js v${process.versions.node}.\n`,
  );
  process.exit(1);
}
