import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exporterSchema } from '../../../src/config/schema.js';
import { scrapeDeadlineMs } from '../../../src/exporter/deadline.js';

describe('scrapeDeadlineMs', () => {
  const config = exporterSchema.parse({ scrapeTimeout: '10s', scrapeTimeoutMargin: '500ms' });

  it("takes Prometheus' timeout less the margin", () => {
    assert.equal(scrapeDeadlineMs('4', config), 3500);
    assert.equal(scrapeDeadlineMs('2.5', config), 2000);
  });
  it('uses the configured timeout when the header is absent or not a positive number', () => {
    for (const header of [undefined, '', 'soon', '0', '-3', 'Infinity']) {
      assert.equal(scrapeDeadlineMs(header, config), 9500, String(header));
    }
  });
  it('keeps half of a timeout the margin would eat', () => {
    assert.equal(scrapeDeadlineMs('0.6', config), 300);
    assert.equal(scrapeDeadlineMs('1', config), 500);
  });
  it('caps an absurd header', () => {
    assert.equal(scrapeDeadlineMs('1e12', config), 600_000 - 500);
  });
});
