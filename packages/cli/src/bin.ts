#!/usr/bin/env node
/**
 * The `leasehold` binary: dispatches to a command and turns errors into exit codes.
 * Usage errors (exit 2) and other failures (exit 1) print one line, never a stack trace.
 *
 * @module
 */
// First: exits on an unsupported Node.js before any dependency is evaluated.
import './node-guard.js';
import { readFileSync } from 'node:fs';
import { LeaseholdError } from '@leasehold/election';
import { USAGE_EXIT_CODE, UsageError } from './args.js';
import { COMMANDS, MAIN_HELP } from './commands.js';

function version(): string {
  const manifest = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`${MAIN_HELP}\n`);
    return USAGE_EXIT_CODE;
  }
  if (first === '-h' || first === '--help') {
    console.log(MAIN_HELP);
    return 0;
  }
  if (first === '--version' || first === '-V') {
    console.log(version());
    return 0;
  }
  if (first === 'help') {
    const topic = rest[0];
    const command = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && command === undefined) {
      throw new UsageError(`unknown command "${topic}"`);
    }
    if (command) return command.run(['--help']);
    console.log(MAIN_HELP);
    return 0;
  }
  const command = COMMANDS[first];
  if (command === undefined) {
    throw new UsageError(
      first.startsWith('-') ? `unknown option "${first}"` : `unknown command "${first}"`,
    );
  }
  return command.run(rest);
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    const help = error.command ? `leasehold ${error.command} --help` : 'leasehold --help';
    process.stderr.write(`leasehold: ${error.message}\nSee '${help}'.\n`);
    return USAGE_EXIT_CODE;
  }
  // Known failures (configuration, API access) are the user's to fix: a message, no stack.
  if (error instanceof LeaseholdError) {
    process.stderr.write(`leasehold: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(
    `leasehold: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}

// Exit explicitly once the command is done: a keep-alive socket or a paused stdin must not keep
// a finished command alive. stdout and stderr are synchronous for files, pipes and terminals on
// Linux, so nothing written is lost.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(report(error)),
);
