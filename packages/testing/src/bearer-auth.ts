/**
 * The server's one optional credential: a bearer token, read from the `Authorization` header
 * as kube-apiserver's bearer-token authenticator reads it, and compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The token of an `Authorization` header, as upstream parses it: trimmed, split on spaces,
 * the scheme `Bearer` in any case, the token the second part (never empty).
 */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const parts = (authorization ?? '').trim().split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  const token = parts[1]!;
  return token === '' ? undefined : token;
}

/**
 * A check of `Authorization` headers against `token`; `undefined` (no token) admits every
 * request. The comparison hashes both sides and compares the equal-length digests with
 * `timingSafeEqual`, so its time says nothing about how much of a guess was right, or about
 * the token's length.
 */
export function bearerCheck(
  token: string | undefined,
): (authorization: string | null | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const presented = bearerToken(authorization);
    // Hash something even without a token, so that a missing header costs the same.
    const actual = digest(presented ?? '');
    return timingSafeEqual(actual, expected) && presented !== undefined;
  };
}
