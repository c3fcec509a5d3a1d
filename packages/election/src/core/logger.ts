/**
 * The logging port. The library never writes to the console; it calls the logger the user
 * passes, and is silent without one.
 *
 * @remarks
 * The port takes `(fields, message)`, the order of pino and bunyan, so that a pino logger (or
 * a child of one) plugs in as it is and its fields arrive as structured properties, not as
 * format arguments that pino would drop. `console` fits too: it prints the fields object, then
 * the message. Inside the library, code logs through a {@link LogSink} (`(message, fields)`,
 * which reads better at a call site); {@link toLogSink} is the one place the two meet.
 *
 * @module
 */

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * A minimal structured logger, in pino's argument order: `logger.warn(fields, message)`.
 * A pino or bunyan logger, or `console`, satisfies it as it is.
 */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

/** What the library's internals log through: message first, fields optional. */
export interface LogSink {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ignore = () => {};

/** The default: discards everything. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** The internal sink that discards everything. */
export const silentSink: LogSink = { debug: ignore, info: ignore, warn: ignore, error: ignore };

const NO_FIELDS: LogFields = Object.freeze({});

/**
 * Adapts the user's {@link Logger} to the internal {@link LogSink}. Methods are called on the
 * logger (not detached), as pino's need their `this`; a line without fields still passes an
 * (empty) object, since pino reads a string first argument as the message. Logging never
 * breaks election: whatever the user's logger throws is swallowed (a throw inside the watch
 * loop or a machine action would otherwise end it).
 */
export function toLogSink(logger: Logger | undefined): LogSink {
  if (logger === undefined) return silentSink;
  const safely =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      try {
        logger[level](fields ?? NO_FIELDS, message);
      } catch {
        // Nowhere better to report it: the logger is the reporting channel.
      }
    };
  return {
    debug: safely('debug'),
    info: safely('info'),
    warn: safely('warn'),
    error: safely('error'),
  };
}
