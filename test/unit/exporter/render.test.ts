import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FamilyBuilder } from '../../../src/exporter/families.js';
import { renderFamilies } from '../../../src/exporter/render.js';

describe('exposition renderer', () => {
  it('escapes label values and help text, and sorts deterministically', () => {
    const b = new FamilyBuilder({ z_metric: { type: 'counter', help: 'two\nlines \\ here' }, a_metric: { type: 'gauge', help: 'a' } });
    b.add('z_metric', { cluster: 'prod', job_name: 'b' }, 2);
    b.add('z_metric', { cluster: 'prod', job_name: 'a "quoted" \\ job\nname' }, 1.5);
    b.add('a_metric', { cluster: 'prod' }, Number.NaN);
    assert.equal(
      renderFamilies(b.build()),
      [
        '# HELP a_metric a',
        '# TYPE a_metric gauge',
        'a_metric{cluster="prod"} NaN',
        '# HELP z_metric two\\nlines \\\\ here',
        '# TYPE z_metric counter',
        'z_metric{cluster="prod",job_name="a \\"quoted\\" \\\\ job\\nname"} 1.5',
        'z_metric{cluster="prod",job_name="b"} 2',
        '',
      ].join('\n'),
    );
  });

  it('renders nothing for no families', () => {
    assert.equal(renderFamilies([]), '');
  });
});
