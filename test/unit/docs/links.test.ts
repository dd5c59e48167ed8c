/**
 * Every relative link in the repository's Markdown resolves: the file or folder exists and, for a Markdown
 * target, the `#anchor` is one of its headings (GitHub's heading ids) or an explicit `<a id>`. Links are read
 * with marked's lexer, so code spans and code blocks are not mistaken for links and reference links resolve.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import GithubSlugger from 'github-slugger';
import { lexer, type Token, type Tokens, walkTokens } from 'marked';

/** Folders that hold no Markdown of the project's own. */
const SKIPPED = new Set(['node_modules', 'dist', '.git']);

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = dir === '.' ? entry.name : join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out.sort();
}

/** The text a heading renders to, which GitHub's id is made from (code spans keep their text, links their label). */
function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((t) => ('tokens' in t && t.tokens !== undefined ? plainText(t.tokens) : ((t as Tokens.Text).text ?? '')))
    .join('');
}

interface MarkdownDoc {
  /** Targets of links and images, as written. */
  readonly links: string[];
  /** Ids a link's `#anchor` can name: headings and explicit HTML ids. */
  readonly anchors: Set<string>;
}

function readMarkdown(text: string): MarkdownDoc {
  const links: string[] = [];
  const anchors = new Set<string>();
  const slugger = new GithubSlugger();
  walkTokens(lexer(text), (token) => {
    if (token.type === 'link' || token.type === 'image') links.push((token as Tokens.Link).href);
    else if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
    else if (token.type === 'html') {
      for (const m of token.raw.matchAll(/\b(?:id|name)="([^"]+)"/g)) anchors.add(m[1] as string);
      for (const m of token.raw.matchAll(/\b(?:href|src)="([^"]+)"/g)) links.push(m[1] as string);
    }
  });
  return { links, anchors };
}

/** A link with a scheme (`https:`, `mailto:`) or protocol-relative leaves the repository: not checked here. */
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * The broken relative links of `files` (path → Markdown text), as `file: target (why)`. `exists` says whether a
 * path that is not among `files` exists; paths are relative to the repository root.
 */
function brokenLinks(files: ReadonlyMap<string, string>, exists: (path: string) => boolean): string[] {
  const docs = new Map([...files].map(([path, text]) => [path, readMarkdown(text)]));
  const broken: string[] = [];
  for (const [file, doc] of docs) {
    for (const link of doc.links) {
      if (EXTERNAL.test(link)) continue;
      const hash = link.indexOf('#');
      const pathPart = decodeURI(hash < 0 ? link : link.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(link.slice(hash + 1));
      const target = pathPart === '' ? file : normalize(join(dirname(file), pathPart)).replace(/\/$/, '');
      if (target.startsWith('..')) {
        broken.push(`${file}: ${link} (outside the repository)`);
        continue;
      }
      if (!docs.has(target) && !exists(target)) {
        broken.push(`${file}: ${link} (no such file)`);
        continue;
      }
      const targetDoc = docs.get(target);
      if (anchor !== undefined && anchor !== '' && targetDoc !== undefined && !targetDoc.anchors.has(anchor)) {
        broken.push(`${file}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
  }
  return broken;
}

describe('Markdown links', () => {
  it('finds broken files and anchors, and not what only looks like a link', () => {
    const files = new Map([
      [
        'README.md',
        [
          '# Guide',
          '## Run it: `npm ci` & go',
          '## Guide',
          'See [run](#run-it-npm-ci--go), [again](#guide-1), [dev](docs/dev.md#setup) and [src](src/).',
          'Broken: [a](#nope), [b](docs/gone.md), [c](docs/dev.md#nope), [d][ref], [e](../up.md).',
          'Not links: `[x](x.md)`, [web](https://example.com/x.md), [mail](mailto:a@b.c).',
          '```',
          '[y](y.md)',
          '```',
          '<a id="here"></a>[h](#here)',
          '',
          '[ref]: docs/missing.md',
        ].join('\n'),
      ],
      ['docs/dev.md', '# Dev\n\n## Setup\n\nBack to [the guide](../README.md#guide).'],
    ]);
    assert.deepEqual(
      brokenLinks(files, (p) => p === 'src'),
      [
        'README.md: #nope (no heading #nope in README.md)',
        'README.md: docs/gone.md (no such file)',
        'README.md: docs/dev.md#nope (no heading #nope in docs/dev.md)',
        'README.md: docs/missing.md (no such file)',
        'README.md: ../up.md (outside the repository)',
      ],
    );
  });

  it('every relative link and #anchor in the repository resolves', () => {
    const paths = markdownFiles('.');
    const files = new Map(paths.map((p) => [p, readFileSync(p, 'utf8')]));
    const checked = [...files.values()].flatMap((t) => readMarkdown(t).links).filter((l) => !EXTERNAL.test(l));
    assert.ok(paths.includes('README.md') && paths.includes('docs/reference.md'), `read ${paths.join(', ')}`);
    assert.ok(checked.length > 20, `only ${checked.length} relative links found: is the lexer reading the files?`);
    assert.deepEqual(
      brokenLinks(files, (p) => existsSync(p)),
      [],
      'broken links (paths from the repository root)',
    );
  });
});
