/**
 * A bearer token read from a file and read again whenever the file changes.
 *
 * @remarks
 * Service-account tokens are short-lived: the kubelet rewrites the projected token file
 * (atomically, by swapping a symlink) well before expiry, and a kubeconfig `token-file` may be
 * rotated by any tool. client-node reads a kubeconfig's file once and the in-cluster file at
 * most every 60 s of wall-clock time, so a rotated-and-revoked token would be sent for up to
 * a minute, or forever. A `stat` per request is cheap, and its identity (inode, size, mtime,
 * ctime) changes with any rewrite, so the file is re-read exactly when it changed. A forced
 * read (after a 401) covers a rewrite that kept all four.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';

/** One token file; see the module remarks. */
export class TokenFile {
  readonly path: string;
  #identity = '';
  #token = '';

  constructor(path: string) {
    this.path = path;
  }

  /**
   * The current token: the cached one when the file is unchanged (or `force` is false and
   * the file vanished for a moment mid-rotation), else the file's fresh, trimmed content.
   *
   * @throws the file system's error when the token was never read successfully; an empty file
   *   likewise keeps the last token, or throws when there is none.
   */
  async read(force = false): Promise<string> {
    try {
      const info = await stat(this.path);
      const identity = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
      if (force || identity !== this.#identity || this.#token === '') {
        const token = (await readFile(this.path, 'utf8')).trim();
        if (token === '') throw new Error(`token file ${this.path} is empty`);
        this.#token = token;
        this.#identity = identity;
      }
    } catch (error) {
      if (this.#token === '') throw error;
    }
    return this.#token;
  }
}
