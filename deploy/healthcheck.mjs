// The image's HEALTHCHECK: GET /healthz. With --web.config.file, basic auth answers 401 and a self-signed
// certificate cannot be verified from here; both still prove that the process serves, which is all it asks.
const url = process.env.FLINK_GUARDIAN_HEALTH_URL ?? 'http://127.0.0.1:9813/healthz';
const { request } = await import(url.startsWith('https:') ? 'node:https' : 'node:http');
const req = request(url, { timeout: 4000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exitCode = res.statusCode === 200 || res.statusCode === 401 ? 0 : 1;
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (err) => {
  process.stderr.write(`healthcheck: ${err.message}\n`);
  process.exitCode = 1;
});
req.end();
