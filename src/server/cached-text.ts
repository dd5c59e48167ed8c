/**
 * Text (or its bytes) that is costly to render and changes rarely, rendered again only after its owner says it
 * changed.
 */
export class CachedText<T = string> {
  private version = 0;
  private cached: { readonly version: number; readonly text: Promise<T> } | undefined;

  constructor(private readonly render: () => Promise<T>) {}

  /** Marks the text stale; the next `get` renders it again. */
  invalidate(): void {
    this.version += 1;
  }

  /** The current text: the cached one when nothing changed since it was rendered. */
  get(): Promise<T> {
    if (this.cached?.version !== this.version) {
      const text = this.render();
      const entry = { version: this.version, text };
      this.cached = entry;
      // A failed render is not kept: the next scrape tries again.
      text.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.text;
  }
}
