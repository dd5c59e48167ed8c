/**
 * The mapping emits every family already in label order (it walks clusters and names sorted instead of sorting
 * samples): checked here on generated snapshots with awkward names, against a sort of the parsed labels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobSchema, type JobSpec } from '../../../src/config/schema.js';
import { samplesOf } from '../../../src/exporter/families.js';
import { mapSnapshot } from '../../../src/exporter/map.js';
import { renderFamilies } from '../../../src/exporter/render.js';
import type { ClusterSnapshot } from '../../../src/exporter/snapshot.js';
import { JOB_STATES } from '../../../src/flink/job-state.js';
import { checkpointsWire, downSnapshot, T0, upSnapshot, type WireDetails, type WireJob } from './scenarios.js';

/** mulberry32: the same cases on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Prefixes of each other, characters on both sides of '"' and ',', escapes, non-ASCII.
const PIECES = [
  'a',
  'a-b',
  'a b',
  'a"b',
  'a\\b',
  'a\nb',
  'ab',
  'A',
  'z',
  'é',
  '日本',
  'job-1',
  'job-10',
  'job-2',
  '_',
  '~',
];

/** The label values of `labels` text in order, unescaped. */
function values(labels: string): string[] {
  const out: string[] = [];
  const re = /[a-z_]+="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(labels); m !== null; m = re.exec(labels)) {
    out.push((m[1] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
  }
  return out;
}

function compareValues(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function generated(seed: number): { snapshots: ClusterSnapshot[]; catalog: JobSpec[] } {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const snapshots: ClusterSnapshot[] = [];
  const catalog: JobSpec[] = [];
  const clusters = ['prod', 'prod-eu', 'prod2', 'b', 'a'].slice(0, 1 + Math.floor(random() * 5));
  for (const cluster of clusters) {
    if (random() < 0.15) {
      snapshots.push(downSnapshot(cluster));
      continue;
    }
    const jobs: WireJob[] = [];
    const details: Record<string, WireDetails> = {};
    const names = new Set<string>();
    for (let i = 0; i < 1 + Math.floor(random() * 25); i += 1)
      names.add(`${pick(PIECES)}${random() < 0.5 ? pick(PIECES) : ''}`);
    let n = 0;
    for (const name of names) {
      for (let k = 0; k < 1 + Math.floor(random() * 2); k += 1) {
        n += 1;
        const jid = n.toString(16).padStart(32, '0');
        jobs.push({ jid, name, state: pick(JOB_STATES), start: T0 + Math.floor(random() * 1e6) });
        if (random() < 0.8) {
          details[jid] =
            random() < 0.2
              ? { checkpoints: 'disabled', restarts: 0 }
              : {
                  checkpoints: checkpointsWire({
                    completed: n,
                    failed: 1,
                    latest: { id: n, ack: T0, duration: 10, size: 5, path: `file:/c/${jid}` },
                  }),
                  restarts: n,
                };
        }
      }
      if (random() < 0.3) catalog.push(jobSchema.parse({ cluster, name, jar: '/j.jar' }));
    }
    for (let i = 0; i < 3; i += 1)
      if (random() < 0.5) catalog.push(jobSchema.parse({ cluster, name: `gone-${pick(PIECES)}${i}`, jar: '/j.jar' }));
    snapshots.push(upSnapshot(pick(['1.20', '2.x'] as const), cluster, jobs, details));
  }
  // The mapping must not depend on the order clusters were collected in.
  snapshots.sort(() => random() - 0.5);
  return { snapshots, catalog };
}

describe('exporter mapping order, generated snapshots', () => {
  it('every family is in label order with one sample per label set, and iterating twice gives the same text', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const { snapshots, catalog } = generated(seed);
      const families = mapSnapshot(snapshots, catalog, () => undefined);
      assert.deepEqual(
        families.map((f) => f.name),
        families.map((f) => f.name).sort(),
        `seed ${seed}: families by name`,
      );
      for (const family of families) {
        const labelSets = samplesOf(family).map((s) => values(s.labels));
        const sorted = [...labelSets].sort(compareValues);
        assert.deepEqual(labelSets, sorted, `seed ${seed}: ${family.name} in label order`);
        for (let i = 1; i < sorted.length; i += 1) {
          assert.notEqual(
            compareValues(sorted[i - 1] as string[], sorted[i] as string[]),
            0,
            `seed ${seed}: ${family.name} has a duplicate series`,
          );
        }
      }
      assert.equal(renderFamilies(families), renderFamilies(families), `seed ${seed}: re-iterable`);
    }
  });
});
