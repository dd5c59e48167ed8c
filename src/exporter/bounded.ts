/** Running an async function over many items with a bounded number in flight. */

/**
 * Calls `fn` for every item (and its index) with at most `width` calls pending, in item order, and resolves when
 * all settled. A rejection of `fn` rejects the whole run (the other workers go on). Unlike
 * `Promise.all(items.map(fn))` it holds `width` pending calls instead of one per item: a 10,000-job scrape that
 * started every job's requests at once kept ~30,000 waiting request chains alive long enough for V8 to promote
 * them, and the old generation grew by hundreds of megabytes.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  width: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await fn(items[index] as T, index);
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, Math.min(width, items.length)); i += 1) workers.push(worker());
  await Promise.all(workers);
}
