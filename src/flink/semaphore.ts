/** Runs `task` and calls `done` once it settled, whether it threw, rejected or resolved. */
function settleWith<T>(task: () => Promise<T>, done: () => void): Promise<T> {
  let running: Promise<T>;
  try {
    running = task();
  } catch (err) {
    done();
    return Promise.reject(err);
  }
  return running.finally(done);
}

/** A counting semaphore: bounds how many REST requests are in flight to one cluster. */
export class Semaphore {
  private available: number;
  /** FIFO of waiters; `head` avoids Array#shift, which is O(n) with thousands queued (a 10,000-job scrape). */
  private waiters: (() => void)[] = [];
  private head = 0;
  /** One release function for every task, not a new closure per request. */
  private readonly releaseOne = (): void => this.release();

  constructor(permits: number) {
    this.available = permits;
  }

  /** Runs `task` once a permit is free, and releases it when the task settles. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const release = this.releaseOne;
    // A free permit starts the task in this tick: no extra turn of the microtask queue per request.
    if (this.available > 0) {
      this.available -= 1;
      return settleWith(task, release);
    }
    return this.acquire().then(() => settleWith(task, release));
  }

  private acquire(): Promise<void> {
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
