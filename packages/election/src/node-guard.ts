/**
 * Refuses to load on a Node.js older than 22.19, with one line that says so.
 *
 * @remarks
 * `@kubernetes/client-node` 2.x (through undici 8) crashes while loading on older Node.js with
 * a TypeError that names none of this. Every entry point imports this module first: ES modules
 * evaluate in import order, so it throws before the client is evaluated.
 *
 * @module
 */

/** The oldest Node.js this package runs on. */
export const MINIMUM_NODE = { major: 22, minor: 19 } as const;

/** The message for an unsupported `version` (like `process.versions.node`), or `undefined`. */
export function unsupportedNodeMessage(version: string, name: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const { major: needMajor, minor: needMinor } = MINIMUM_NODE;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `${name} needs Node.js >= ${needMajor}.${needMinor}.0; this is Node.js v${version}.`;
}

const message = unsupportedNodeMessage(process.versions.node, '@leasehold/election');
if (message !== undefined) throw new Error(message);
