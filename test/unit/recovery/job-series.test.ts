import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobSeries, renderRegistry } from '../../../src/recovery/report/job-series.js';
import { RecoveryMetrics } from '../../../src/recovery/report/metrics.js';
import { ATTEMPT_RESULTS, CATALOG_SKIP_REASONS, OUTCOMES, RESTORE_FROM } from '../../../src/recovery/model/reasons.js';

/** The exposition's sample lines, sorted: the same series and values whatever order they were created in. */
const samples = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .sort();

const headers = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('#'));

describe('JobSeries', () => {
  it("exposes the same series and values as prom-client's own Counter and Gauge", async () => {
    const ours = new Registry();
    const series = new JobSeries();
    const attempts = series.family(
      {
        name: 'x_attempts_total',
        help: 'Attempts, by "source"\nand result',
        type: 'counter',
        slots: ['a', 'b'].flatMap((source) => ['ok', 'failed'].map((result) => ({ source, result }))),
      },
      ours,
    );
    const open = series.family({ name: 'x_open', help: 'open', type: 'gauge', slots: [{}] }, ours);

    const theirs = new Registry();
    const counter = new Counter({
      name: 'x_attempts_total',
      help: 'Attempts, by "source"\nand result',
      labelNames: ['cluster', 'job_name', 'source', 'result'],
      registers: [theirs],
    });
    const gauge = new Gauge({ name: 'x_open', help: 'open', labelNames: ['cluster', 'job_name'], registers: [theirs] });

    const jobs = [
      ['prod', 'orders'],
      ['prod', 'job "with" quotes\\and\nnewline'],
      ['staging', 'orders'],
    ] as const;
    for (const [cluster, job_name] of jobs) {
      attempts.inc(cluster, job_name, { source: 'a', result: 'ok' }, 0);
      counter.inc({ cluster, job_name, source: 'a', result: 'ok' }, 0);
      open.set(cluster, job_name, {}, 0);
      gauge.set({ cluster, job_name }, 0);
    }
    attempts.inc('prod', 'orders', { result: 'failed', source: 'b' }); // label order does not matter
    counter.inc({ cluster: 'prod', job_name: 'orders', source: 'b', result: 'failed' });
    attempts.inc('prod', 'orders', { source: 'b', result: 'failed' }, 2.5);
    counter.inc({ cluster: 'prod', job_name: 'orders', source: 'b', result: 'failed' }, 2.5);
    open.set('staging', 'orders', {}, 1);
    gauge.set({ cluster: 'staging', job_name: 'orders' }, 1);
    attempts.inc('other', 'new-job', { source: 'a', result: 'failed' }); // a job first seen by an increment
    counter.inc({ cluster: 'other', job_name: 'new-job', source: 'a', result: 'failed' });

    const [a, b] = [await ours.metrics(), await theirs.metrics()];
    assert.deepEqual(samples(a), samples(b));
    assert.deepEqual(headers(a), headers(b));
    assert.equal(samples(a).length, 3 + 1 + 1 + 3, 'absent series are not exposed');

    const json = (await ours.getMetricsAsJSON()).find((m) => m.name === 'x_attempts_total');
    assert.deepEqual(
      json?.values.find(
        (v) => v.labels.job_name === 'orders' && v.labels.cluster === 'prod' && v.labels.source === 'b',
      ),
      { labels: { cluster: 'prod', job_name: 'orders', source: 'b', result: 'failed' }, value: 3.5 },
    );
  });

  it('refuses labels outside the closed set, and resets with the registry', async () => {
    const registry = new Registry();
    const series = new JobSeries();
    const skipped = series.family(
      { name: 'x_skipped_total', help: 'h', type: 'counter', slots: [{ reason: 'cooldown' }] },
      registry,
    );
    assert.throws(() => skipped.inc('prod', 'orders', { reason: 'nope' }), /x_skipped_total: no series with labels/);
    skipped.inc('prod', 'orders', { reason: 'cooldown' });
    assert.throws(
      () => series.family({ name: 'late', help: 'h', type: 'gauge', slots: [{}] }, registry),
      /declared before/,
    );
    assert.match(await registry.metrics(), /x_skipped_total\{cluster="prod",job_name="orders",reason="cooldown"\} 1\n/);
    registry.resetMetrics();
    assert.deepEqual(samples(await registry.metrics()), []);
  });

  it("renders the registry byte for byte as prom-client's metrics() does, without its objects per series", async () => {
    const registry = new Registry();
    const before = new Counter({
      name: 'x_before_total',
      help: 'before',
      labelNames: ['cluster'],
      registers: [registry],
    });
    const series = new JobSeries();
    const attempts = series.family(
      {
        name: 'x_attempts_total',
        help: 'Attempts, by "source"\\path\nand result',
        type: 'counter',
        slots: ['a', 'b'].flatMap((source) => ['ok', 'failed'].map((result) => ({ source, result }))),
      },
      registry,
    );
    series.family({ name: 'x_never', help: 'no series at all', type: 'gauge', slots: [{}] }, registry);
    const open = series.family({ name: 'x_open', help: 'open', type: 'gauge', slots: [{}] }, registry);
    const after = new Histogram({ name: 'x_after_seconds', help: 'after', buckets: [1, 5], registers: [registry] });

    assert.equal(await renderRegistry(registry), await registry.metrics(), 'nothing set yet');
    before.inc({ cluster: 'prod' }, 3);
    attempts.inc('prod', 'orders', { source: 'a', result: 'ok' }, 0);
    attempts.inc('prod', 'job "with" quotes\\and\nnewline', { result: 'failed', source: 'b' }, 2.5);
    attempts.inc('staging', 'orders', { source: 'b', result: 'ok' }, 1e21);
    open.set('prod', 'orders', {}, -0.125);
    open.set('staging', 'orders', {}, Number.POSITIVE_INFINITY);
    after.observe(2);
    const text = await registry.metrics();
    assert.equal(await renderRegistry(registry), text);
    const escaped = String.raw`job_name="job \"with\" quotes\\and\nnewline",source="b",result="failed"} 2.5`;
    assert.ok(text.includes(`x_attempts_total{cluster="prod",${escaped}\n`), 'label values escaped');
    registry.resetMetrics();
    assert.equal(await renderRegistry(registry), await registry.metrics(), 'after a reset');
  });

  it('zero() sets what inc(…, 0) and set(…, 0) set, and keeps a count already there', async () => {
    const slots = ['a', 'b'].flatMap((source) => ['ok', 'failed'].map((result) => ({ source, result })));
    const make = () => {
      const registry = new Registry();
      const series = new JobSeries();
      const counter = series.family({ name: 'x_total', help: 'x', type: 'counter', slots }, registry);
      const gauge = series.family({ name: 'x_open', help: 'open', type: 'gauge', slots: [{}] }, registry);
      counter.inc('prod', 'orders', { source: 'b', result: 'ok' }, 2);
      gauge.set('prod', 'orders', {}, 1);
      return { registry, series, counter, gauge };
    };
    const byPlaces = make();
    byPlaces.series.zero('prod', 'orders', {
      counters: byPlaces.counter.places(slots),
      gauges: byPlaces.gauge.places([{}]),
    });
    byPlaces.series.zero('prod', 'payments', {
      counters: byPlaces.counter.places(slots.slice(0, 1)),
      gauges: [],
    });
    const oneByOne = make();
    for (const labels of slots) oneByOne.counter.inc('prod', 'orders', labels, 0);
    oneByOne.gauge.set('prod', 'orders', {}, 0);
    oneByOne.counter.inc('prod', 'payments', { source: 'a', result: 'ok' }, 0);
    const text = await renderRegistry(byPlaces.registry);
    assert.equal(text, await renderRegistry(oneByOne.registry));
    assert.ok(text.includes('x_total{cluster="prod",job_name="orders",source="b",result="ok"} 2\n'));
    assert.ok(text.includes('x_open{cluster="prod",job_name="orders"} 0\n'));
    assert.ok(!text.includes('job_name="payments",source="b"'), 'only the places given');
    assert.throws(() => byPlaces.counter.places([{ source: 'c', result: 'ok' }]), /no series with labels/);
  });

  it('precreates every series of a catalog job at 0', async () => {
    const registry = new Registry();
    const metrics = new RecoveryMetrics(registry);
    metrics.precreate(['prod'], [{ cluster: 'prod', name: 'orders' }]);
    const lines = samples(await renderRegistry(registry)).filter((l) => l.includes('job_name="orders"'));
    const expected = RESTORE_FROM.length * ATTEMPT_RESULTS.length + OUTCOMES.length + CATALOG_SKIP_REASONS.length + 3;
    assert.equal(lines.length, expected);
    assert.ok(
      lines.every((l) => l.endsWith(' 0')),
      lines.join('\n'),
    );
  });

  it("renders the recoverer's own registry as prom-client does", async () => {
    const registry = new Registry();
    const metrics = new RecoveryMetrics(registry);
    metrics.precreate(
      ['prod', 'staging'],
      [
        { cluster: 'prod', name: 'orders' },
        { cluster: 'staging', name: 'payments' },
      ],
    );
    metrics.attempt('prod', 'orders', 'checkpoint', 'failed');
    metrics.skip('staging', 'payments', 'cooldown');
    metrics.status('prod', 'orders', 'open');
    metrics.recovered('prod', 12.5);
    assert.equal(await renderRegistry(registry), await registry.metrics());
  });
});
