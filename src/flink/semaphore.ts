/** A counting semaphore: bounds how many REST requests are in flight to one cluster. */
export class Semaphore {
  private available: number;
  /** FIFO of waiters; `head` avoids Array#shift, which is O(n) with thousands queued (a 10,000-job scrape). */
  private waiters: (() => void)[] = [];
  private head = 0;

  constructor(permits: number) {
    this.available = permits;
  }

  /** Runs `task` once a permit is free, and releases it when the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters[this.head];
    if (next === undefined) {
      this.available += 1;
      return;
    }
    this.head += 1;
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    }
    // Hand the permit straight to the next waiter so a burst cannot overtake the queue.
    next();
  }
}
