import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { RecoveryMetrics } from '../../../src/recovery/report/metrics.js';
import { CachedText } from '../../../src/server/cached-text.js';

describe('recovery metrics and the cached exposition', () => {
  it('every change is announced, so the cached text never lags the registry', async () => {
    const registry = new Registry();
    const text = new CachedText(() => registry.metrics());
    const metrics = new RecoveryMetrics(registry, () => text.invalidate());
    const changes: [string, () => void][] = [
      ['precreate', () => metrics.precreate(['prod'], [{ cluster: 'prod', name: 'orders' }])],
      ['attempt', () => metrics.attempt('prod', 'orders', 'checkpoint', 'failed')],
      ['episodeEnded', () => metrics.episodeEnded('prod', 'orders', 'recovered')],
      ['skip', () => metrics.skip('prod', 'orders', 'cooldown')],
      ['status', () => metrics.status('prod', 'orders', 'exhausted')],
      ['setPaused', () => metrics.setPaused('prod', 'orders', true)],
      ['recovered', () => metrics.recovered('prod', 12.5)],
    ];
    const methods = Object.getOwnPropertyNames(RecoveryMetrics.prototype).filter((m) => m !== 'constructor');
    assert.deepEqual(
      changes.map(([m]) => m).sort(),
      methods.sort(),
      'every method of RecoveryMetrics is a change covered here',
    );
    for (const [what, change] of changes) {
      const before = await text.get();
      change();
      const fresh = await registry.metrics();
      assert.notEqual(fresh, before, `${what} changes the registry`);
      assert.equal(await text.get(), fresh, `${what} invalidates the cached text`);
    }
  });
});
