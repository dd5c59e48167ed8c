/** A counting semaphore: bounds how many REST requests are in flight to one cluster. */
export class Semaphore {
  private available: number;
  private readonly waiters: (() => void)[] = [];

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
    const next = this.waiters.shift();
    // Hand the permit straight to the next waiter so a burst cannot overtake the queue.
    if (next !== undefined) next();
    else this.available += 1;
  }
}
