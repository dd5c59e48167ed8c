/**
 * A list built item by item that is `previous` itself while every item is the very object in the same place of
 * it. A steady scrape then makes no new list of thousands of items (a large array that lives until the exposition
 * is written, long enough for V8 to promote it); a new list is made from the first item that differs.
 */
export class ReusedList<T> {
  /** The new list, once an item differed (or the length did). */
  private out: T[] | undefined;
  private count = 0;

  constructor(
    private readonly previous: readonly T[],
    length: number,
  ) {
    if (length !== previous.length) this.out = [];
  }

  add(item: T): void {
    if (this.out === undefined) {
      if (item === this.previous[this.count]) {
        this.count += 1;
        return;
      }
      this.out = this.previous.slice(0, this.count);
    }
    this.out.push(item);
    this.count += 1;
  }

  /** The items added: `previous` when none differed. */
  get list(): readonly T[] {
    return this.out ?? this.previous;
  }
}
