/**
 * Decoding JSON into typed fields with the errors of Go's `encoding/json` ("cannot unmarshal
 * string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32"), `null` as
 * absent, and a record of unknown fields for `fieldValidation`.
 */
import {
  formatEpochMicros,
  formatTime,
  GoTimeParseError,
  MICRO_LAYOUT,
  parseGoTime,
  SECONDS_LAYOUT,
} from './go-time.js';
import { type ApiError, badRequest } from './status.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function jsonTypeName(value: Json): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks one body; collects unknown fields and throws on the first type error. */
export class Decoder {
  readonly unknown: string[] = [];
  readonly #prefix: string;

  /** @param prefix - put before every message, as the server wraps decode errors. */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  typeError(
    value: Json,
    struct: string,
    path: string,
    goType: string,
    withLiteral = false,
  ): ApiError {
    const literal = withLiteral ? ` ${String(value)}` : '';
    return badRequest(
      `${this.#prefix}json: cannot unmarshal ${jsonTypeName(value)}${literal} into Go struct field ${struct}.${path} of type ${goType}`,
    );
  }

  string(value: Json, struct: string, path: string, goType = 'string'): string | undefined {
    if (value === null) return undefined;
    if (typeof value !== 'string') throw this.typeError(value, struct, path, goType);
    return value;
  }

  bool(value: Json, struct: string, path: string): boolean | undefined {
    if (value === null) return undefined;
    if (typeof value !== 'boolean') throw this.typeError(value, struct, path, 'bool');
    return value;
  }

  integer(value: Json, struct: string, path: string, bits: 32 | 64): number | undefined {
    if (value === null) return undefined;
    const goType = `int${bits}`;
    if (typeof value !== 'number') throw this.typeError(value, struct, path, goType);
    const limit = bits === 32 ? 2 ** 31 : 2 ** 63;
    if (!Number.isInteger(value) || value < -limit || value >= limit) {
      throw this.typeError(value, struct, path, goType, true);
    }
    return value;
  }

  time(value: Json, micro: boolean): string | undefined {
    if (value === null) return undefined;
    if (typeof value !== 'string') {
      throw badRequest(
        `${this.#prefix}json: cannot unmarshal ${jsonTypeName(value)} into Go value of type string`,
      );
    }
    try {
      const parsed = parseGoTime(value, micro ? MICRO_LAYOUT : SECONDS_LAYOUT);
      return micro ? formatEpochMicros(parsed) : formatTime(Number(parsed / 1000n));
    } catch (error) {
      if (error instanceof GoTimeParseError) throw badRequest(`${this.#prefix}${error.message}`);
      throw error;
    }
  }

  stringMap(value: Json, path: string): Record<string, string> | undefined {
    if (value === null) return undefined;
    if (!isObject(value)) throw this.typeError(value, 'ObjectMeta', path, 'map[string]string');
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      // A JSON null inside a map[string]string decodes to "".
      out[key] = this.string(item, 'ObjectMeta', path) ?? '';
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }

  list<T>(
    value: Json,
    struct: string,
    path: string,
    goType: string,
    item: (v: Json, i: number) => T,
  ): T[] | undefined {
    if (value === null) return undefined;
    if (!Array.isArray(value)) throw this.typeError(value, struct, path, goType);
    const out = value.map(item);
    return out.length === 0 ? undefined : out;
  }

  object(value: Json, struct: string, path: string, goType: string): JsonObject | undefined {
    if (value === null) return undefined;
    if (!isObject(value)) throw this.typeError(value, struct, path, goType);
    return value;
  }

  /** Reports keys of `obj` not in `known`, prefixed by `path`. */
  noteUnknown(obj: JsonObject, known: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.unknown.push(path === '' ? key : `${path}.${key}`);
    }
  }
}
