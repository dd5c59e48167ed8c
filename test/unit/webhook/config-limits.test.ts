import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema.js';
import { formatIssue, zodIssues } from '../../../src/errors.js';

const base = {
  clusters: [{ name: 'prod', url: 'http://127.0.0.1:8081' }],
  webhook: { bearerToken: 't' },
  jobs: [{ cluster: 'prod', name: 'orders', jar: '/opt/orders.jar' }],
};

describe('webhook limits in the configuration', () => {
  it('defaults to 1000 alerts per body and 1024 characters per label', () => {
    const config = configSchema.parse(base);
    assert.equal(config.webhook.maxAlerts, 1000);
    assert.equal(config.webhook.maxLabelValueLength, 1024);
  });

  it('refuses a catalog job or cluster name the webhook would cut', () => {
    const name = 'j'.repeat(100);
    const parsed = configSchema.safeParse({
      ...base,
      clusters: [{ name: `c${name}`, url: 'http://127.0.0.1:8081' }],
      webhook: { bearerToken: 't', maxLabelValueLength: 64 },
      jobs: [{ cluster: `c${name}`, name, jar: '/opt/orders.jar' }],
    });
    assert.equal(parsed.success, false);
    const issues = parsed.success ? [] : zodIssues(parsed.error).map(formatIssue);
    assert.deepEqual(issues, [
      "clusters[0].name: 101 characters, longer than webhook.maxLabelValueLength (64) allows in an alert's labels",
      "jobs[0].name: 100 characters, longer than webhook.maxLabelValueLength (64) allows in an alert's labels",
    ]);
    assert.ok(configSchema.safeParse({ ...base, webhook: { bearerToken: 't', maxLabelValueLength: 100 } }).success);
  });
});
