/**
 * Argument parsing shared by every command: `node:util` `parseArgs` plus the conversions and
 * the one error type that `bin.ts` turns into exit code 2.
 *
 * @module
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { DurationError, parseDuration } from './duration.js';

/** Exit code for bad arguments, as in most Unix tools. */
export const USAGE_EXIT_CODE = 2;

/** The user asked for something that cannot be done as written; printed without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose `--help` the user should read. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** Values as `parseArgs` returns them for string and boolean options. */
export type RawValues = Record<string, string | boolean | undefined>;

/**
 * Parses `args` strictly (unknown options and missing values are usage errors).
 * @returns the option values and the positionals.
 */
export function parseCommandArgs(
  command: string,
  args: readonly string[],
  options: ParseArgsOptionsConfig,
  allowPositionals = false,
): { values: RawValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals,
    });
    return { values: values as RawValues, positionals };
  } catch (error) {
    // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION; their messages
    // are already written for users, but mention `node` internals we strip.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
}

/** The `--help` flag every command accepts. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** A string option's value, or `undefined`. */
export function stringValue(values: RawValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A required string option. */
export function requiredString(command: string, values: RawValues, name: string): string {
  const value = stringValue(values, name);
  if (value === undefined || value === '') {
    throw new UsageError(`--${name} is required`, command);
  }
  return value;
}

/** A duration option in milliseconds, or `undefined` when absent. */
export function durationValue(
  command: string,
  values: RawValues,
  name: string,
): number | undefined {
  const value = stringValue(values, name);
  if (value === undefined) return undefined;
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new DurationError(`must be greater than 0, got "${value}"`);
    return ms;
  } catch (error) {
    if (error instanceof DurationError)
      throw new UsageError(`--${name}: ${error.message}`, command);
    throw error;
  }
}

/** An integer option within `[min, max]`, or `undefined` when absent. */
export function integerValue(
  command: string,
  values: RawValues,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = stringValue(values, name);
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be an integer from ${min} to ${max}, got "${value}"`,
      command,
    );
  }
  return n;
}

/** A choice among fixed strings, or `undefined` when absent. */
export function choiceValue<T extends string>(
  command: string,
  values: RawValues,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = stringValue(values, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`, command);
  }
  return value as T;
}

/**
 * Splits `args` at the first `--`: options before it, a command line after it.
 * @returns `command` is `undefined` when there is no `--`.
 */
export function splitAtDoubleDash(args: readonly string[]): {
  options: string[];
  command: string[] | undefined;
} {
  const index = args.indexOf('--');
  if (index === -1) return { options: [...args], command: undefined };
  return { options: args.slice(0, index), command: args.slice(index + 1) };
}
