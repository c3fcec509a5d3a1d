// Finds the TypeScript code blocks of the README and the docs, for the code-block check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One fenced block: where it is, how it is marked, and its text. */
export interface CodeBlock {
  readonly file: string; // relative to the repository root
  readonly line: number; // 1-based line of the opening fence
  readonly lang: string;
  /** `run`: execute it and let its assertions speak; `nocheck`: a deliberate fragment. */
  readonly marks: readonly string[];
  readonly code: string;
}

const SKIP_DIRS = new Set(['node_modules', '.vitepress', 'api', 'benchmarks']);

/** README.md, docs/**\/*.md (not generated output) and examples/**\/README.md. */
export function markdownFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (!SKIP_DIRS.has(entry) && !entry.startsWith('.')) walk(path);
      } else if (entry.endsWith('.md') && !(dir.endsWith('reference') && entry === 'cli.md')) {
        files.push(path);
      }
    }
  };
  walk(join(root, 'docs'));
  try {
    walk(join(root, 'examples'));
  } catch {
    // no examples yet
  }
  return files;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)([^\n]*)$/;

export function extractBlocks(root: string, path: string): CodeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', lang = '', rest = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    if (lang === 'ts' || lang === 'typescript') {
      blocks.push({
        file: relative(root, path),
        line: i + 1,
        lang,
        marks: rest.trim().split(/\s+/).filter(Boolean),
        code: body.join('\n'),
      });
    }
    i = j;
  }
  return blocks;
}
