/**
 * Shares one in-flight call per key among its concurrent callers, and nothing beyond it: once the call
 * settles, the next caller starts a new one. A storm of notifications about one cluster costs Flink one
 * `/jobs/overview` (or a few) instead of one each, and every decision still reads an answer Flink gave
 * after the decision's question was asked or while it was pending.
 */
export class SingleFlight<K, V> {
  private readonly inflight = new Map<K, Promise<V>>();

  /** The pending call for `key` if there is one, else `fn()`, shared until it settles. */
  run(key: K, fn: () => Promise<V>): Promise<V> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const call = fn();
    this.inflight.set(key, call);
    const done = (): void => {
      if (this.inflight.get(key) === call) this.inflight.delete(key);
    };
    call.then(done, done);
    return call;
  }

  /** Keys with a call in flight. */
  get size(): number {
    return this.inflight.size;
  }
}
