import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { label, rowFamily, type MetricFamily, type MetricType, type Sample } from '../../../src/exporter/families.js';
import { KeptText, renderChunks, renderFamilies, textOf } from '../../../src/exporter/render.js';

/** Labels as exposition text, in the order given. */
function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([name, value]) => label(name, value))
    .join(',');
}

/** Families from plain sample lists, sorted by name. */
function familiesOf(
  defs: Readonly<Record<string, { readonly help: string; readonly type: MetricType }>>,
  samples: Readonly<Record<string, readonly Sample[]>>,
): MetricFamily[] {
  return Object.entries(defs)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, def]) => rowFamily({ name, ...def }, samples[name] ?? [], (s, push) => push(s.labels, s.value)));
}

describe('exposition renderer', () => {
  it('escapes label values and help text; families by name, samples in the order added', () => {
    const families = familiesOf(
      {
        z_metric: { type: 'counter', help: 'two\nlines \\ here' },
        a_metric: { type: 'gauge', help: 'a' },
        unused: { type: 'gauge', help: 'x' },
      },
      {
        z_metric: [
          { labels: labelText({ cluster: 'prod', job_name: 'a "quoted" \\ job\nname' }), value: 1.5 },
          { labels: labelText({ cluster: 'prod', job_name: 'b' }), value: 2 },
        ],
        a_metric: [
          { labels: labelText({ cluster: 'prod' }), value: Number.NaN },
          { labels: '', value: Number.POSITIVE_INFINITY },
        ],
      },
    );
    assert.equal(
      renderFamilies(families),
      [
        '# HELP a_metric a',
        '# TYPE a_metric gauge',
        'a_metric{cluster="prod"} NaN',
        'a_metric +Inf',
        '# HELP z_metric two\\nlines \\\\ here',
        '# TYPE z_metric counter',
        'z_metric{cluster="prod",job_name="a \\"quoted\\" \\\\ job\\nname"} 1.5',
        'z_metric{cluster="prod",job_name="b"} 2',
        '',
      ].join('\n'),
    );
  });

  it('formats values as Prometheus parses them', () => {
    const values = [0, 1, 1023, 1024, -1, 0.5, 1796156314.467, 356259989, Number.NEGATIVE_INFINITY, 1e21];
    const expected = ['0', '1', '1023', '1024', '-1', '0.5', '1796156314.467', '356259989', '-Inf', '1e+21'];
    // Without labels, and with them (where a small value's line end is made once, the others per line).
    const families = familiesOf(
      { m: { type: 'gauge', help: 'h' } },
      { m: values.map((value) => ({ labels: '', value })) },
    );
    const lines = renderFamilies(families).split('\n').slice(2, -1);
    assert.deepEqual(
      lines.map((l) => l.slice(2)),
      expected,
    );
    const labelled = familiesOf(
      { m: { type: 'gauge', help: 'h' } },
      { m: values.map((value) => ({ labels: 'a="b"', value })) },
    );
    const labelledLines = renderFamilies(labelled).split('\n').slice(2, -1);
    assert.deepEqual(
      labelledLines,
      expected.map((text) => `m{a="b"} ${text}`),
    );
  });

  it('cuts a long exposition into pieces of whole lines that join to the same text', () => {
    const big: Sample[] = [];
    for (let i = 0; i < 20_000; i += 1)
      big.push({ labels: labelText({ cluster: 'prod', job_name: `job-${i}` }), value: i });
    const families = familiesOf(
      { big: { type: 'gauge', help: 'many series' }, small: { type: 'gauge', help: 'one' } },
      { big, small: [{ labels: '', value: 1 }] },
    );
    const pieces = [...renderChunks(families)];
    assert.ok(pieces.length > 1, 'more than one piece');
    for (const piece of pieces) assert.ok(textOf([piece]).endsWith('\n'), 'every piece ends a line');
    assert.equal(textOf(pieces), renderFamilies(families));
    assert.equal(renderFamilies(families).split('\n').length, 20_000 + 1 + 4 + 1);
  });

  it('renders nothing for no families, and leaves out a family without samples', () => {
    assert.equal(renderFamilies([]), '');
    assert.equal(renderFamilies(familiesOf({ empty: { type: 'gauge', help: 'h' } }, {})), '');
  });

  describe('with the text kept between scrapes', () => {
    interface Row {
      readonly labels: string;
      readonly value: number;
    }
    const rowsOf = (n: number, value: (i: number) => number): Row[] =>
      Array.from({ length: n }, (_, i) => ({ labels: labelText({ job_name: `job-${i}` }), value: value(i) }));
    /** A keyed family over `rows` (the row is its key) and a family without keys; counts the rows rendered. */
    function keyedFamilies(rows: readonly Row[], rendered: { count: number }): MetricFamily[] {
      const samples = (row: Row, push: (labels: string, value: number) => void): void => {
        rendered.count += 1;
        push(row.labels, row.value);
      };
      return [
        rowFamily({ name: 'a_keyed', help: 'kept', type: 'gauge' }, rows, samples, (row) => row),
        rowFamily({ name: 'b_plain', help: 'not kept', type: 'gauge' }, rows, samples),
      ];
    }

    it('writes a family whose rows held still from the bytes it kept, and renders one whose rows moved', () => {
      const kept = new KeptText();
      const rendered = { count: 0 };
      const scrape = (rows: readonly Row[]): (string | Uint8Array)[] => {
        rendered.count = 0;
        const pieces = [...renderChunks(keyedFamilies(rows, rendered), kept)];
        assert.equal(textOf(pieces), renderFamilies(keyedFamilies(rows, { count: 0 })), 'the same text as without');
        return pieces;
      };
      const rows = rowsOf(5_000, (i) => i);
      scrape(rows);
      assert.equal(rendered.count, 10_000, 'new rows: rendered, only their keys kept');
      const second = scrape(rows);
      assert.equal(rendered.count, 10_000, 'rows that held still: rendered once more, and the text kept');
      const keptPieces = second.filter((piece) => typeof piece !== 'string');
      assert.ok(keptPieces.length > 1, 'the kept family is in pieces of its own');
      const third = scrape(rows);
      assert.equal(rendered.count, 5_000, 'only the family without keys is rendered again');
      for (const piece of keptPieces) assert.ok(third.includes(piece), 'the very bytes kept are written');

      // One row replaced (a new key): rendered again, with the new value, and kept once it holds still.
      const changed = rows.map((row, i) => (i === 4_321 ? { ...row, value: 7.5 } : row));
      assert.ok(textOf(scrape(changed)).includes('a_keyed{job_name="job-4321"} 7.5\n'));
      assert.equal(rendered.count, 10_000);
      scrape(changed);
      scrape(changed);
      assert.equal(rendered.count, 5_000);
      // The same rows minus the last are not the same rows.
      assert.ok(!textOf(scrape(changed.slice(0, -1))).includes('a_keyed{job_name="job-4999"}'));
      assert.equal(rendered.count, 2 * 4_999);
    });

    it('compares each scrape with the rows of the scrape before, not with those its text was kept with', () => {
      // New row objects with the same keys at every scrape, as when the job list holds still and the details move.
      interface Wrapped {
        readonly scrape: number;
        readonly row: Row;
      }
      const rows = rowsOf(100, (i) => i);
      const compared = new Set<number>();
      const families = (scrape: number): MetricFamily[] => {
        const wrapped: Wrapped[] = rows.map((row) => ({ scrape, row }));
        const keyOf = (item: Wrapped): Row => {
          if (item.scrape !== scrape) compared.add(item.scrape);
          return item.row;
        };
        return [
          rowFamily(
            { name: 'a_keyed', help: 'kept', type: 'gauge' },
            wrapped,
            (w, push) => push(w.row.labels, 0),
            keyOf,
          ),
        ];
      };
      const kept = new KeptText();
      for (let scrape = 1; scrape <= 5; scrape += 1) {
        compared.clear();
        const pieces = [...renderChunks(families(scrape), kept)];
        assert.equal(textOf(pieces), renderFamilies(families(scrape)));
        if (scrape > 1) assert.deepEqual([...compared], [scrape - 1], `scrape ${scrape} compared with the one before`);
        if (scrape > 2)
          assert.ok(
            pieces.every((piece) => typeof piece !== 'string'),
            `scrape ${scrape}: kept text`,
          );
      }
    });

    it('keeps no text of a family whose render was cut short (the client went away)', () => {
      const kept = new KeptText();
      const rows = rowsOf(5_000, (i) => i);
      textOf(renderChunks(keyedFamilies(rows, { count: 0 }), kept));
      const cut = renderChunks(keyedFamilies(rows, { count: 0 }), kept);
      assert.equal(cut.next().done, false);
      cut.return(undefined);
      const rendered = { count: 0 };
      const text = textOf(renderChunks(keyedFamilies(rows, rendered), kept));
      assert.equal(rendered.count, 10_000, 'rendered in full, not taken from a half-kept text');
      assert.equal(text, renderFamilies(keyedFamilies(rows, { count: 0 })));
    });
  });
});
