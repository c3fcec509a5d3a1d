/**
 * The end-to-end tests run the built binary, as users do: this brings `dist/` up to date
 * first (`tsc -b` is incremental, so it is quick when nothing changed).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export async function buildCli(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-b', CLI_DIR]);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`building @leasehold/cli failed:\n${stdout}${stderr}`);
  }
}
