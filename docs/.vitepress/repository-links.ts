import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type MarkdownIt from 'markdown-it';

/**
 * The docs are read both on the site and as plain Markdown in the repository, where a link
 * such as `../test/kube/README.md` is fine. On the site that file does not exist, so such a
 * link becomes a code-styled repository path instead of a dead link (the build must keep
 * failing on real dead links, so they are not ignored).
 */
export function repositoryLinks(md: MarkdownIt, options: { docsDir: string }): void {
  md.core.ruler.push('leasehold-repository-links', (state) => {
    const page =
      (state.env as { realPath?: string; path?: string }).realPath ??
      (state.env as { path?: string }).path;
    if (!page) return;
    const pageDir = resolve(page, '..');
    for (const block of state.tokens) {
      const children = block.children;
      if (!children) continue;
      for (let i = 0; i < children.length; i++) {
        const open = children[i];
        if (open?.type !== 'link_open') continue;
        const href = open.attrGet('href') ?? '';
        if (/^[a-z]+:|^#|^\//i.test(href)) continue;
        const target = resolve(pageDir, href.split('#')[0] ?? '');
        const inside = !relative(options.docsDir, target).startsWith('..');
        if (inside) continue;
        const path = relative(join(options.docsDir, '..'), target);
        if (!existsSync(target)) {
          throw new Error(`${page}: link to ${href}, which is not in the repository`);
        }
        let depth = 0;
        for (let j = i; j < children.length; j++) {
          const token = children[j];
          if (!token) continue;
          if (token.type === 'link_open') depth++;
          if (token.type === 'link_close' && --depth === 0) {
            token.type = 'html_inline';
            token.content = '</span>';
            break;
          }
        }
        open.type = 'html_inline';
        open.content = `<span class="repo-path" title="in the repository: ${md.utils.escapeHtml(path)}">`;
      }
    }
  });
}
