import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { dispatchText } from '../../../src/flink/dispatch.js';

describe('dispatchText', () => {
  let server: Server;
  let pool: Pool;
  const held: (() => void)[] = [];

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') {
        // Several writes, so the body arrives in more than one chunk.
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 64; i += 1) res.write('é'.repeat(4096));
        res.end();
        return;
      }
      if (req.url === '/hang') {
        held.push(() => res.end('late'));
        return;
      }
      res.writeHead(req.url === '/missing' ? 404 : 200);
      res.end(
        req.url === '/empty' ? '' : `you asked ${req.method} ${req.url} with ${req.headers['x-test'] ?? 'nothing'}`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 4 });
  });
  after(async () => {
    for (const release of held) release();
    await pool.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns status and text; other statuses are values too', async () => {
    assert.deepEqual(await dispatchText(pool, { method: 'GET', path: '/a?b=1', headers: { 'x-test': 'yes' } }), {
      status: 200,
      text: 'you asked GET /a?b=1 with yes',
    });
    assert.equal((await dispatchText(pool, { method: 'GET', path: '/missing', headers: {} })).status, 404);
    assert.deepEqual(await dispatchText(pool, { method: 'GET', path: '/empty', headers: {} }), {
      status: 200,
      text: '',
    });
  });

  it('joins a body of many chunks and decodes UTF-8 across their edges', async () => {
    const res = await dispatchText(pool, { method: 'GET', path: '/big', headers: {} });
    assert.equal(res.text, 'é'.repeat(64 * 4096));
  });

  it('one abort of a shared signal ends every request in flight, and later ones at once', async () => {
    const controller = new AbortController();
    const pending = [1, 2, 3].map(() =>
      dispatchText(pool, { method: 'GET', path: '/hang', headers: {}, signal: controller.signal }),
    );
    while (held.length < 3) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('deadline'));
    for (const p of pending)
      await assert.rejects(p, (err: Error & { code?: string }) => err.code === 'UND_ERR_ABORTED');
    await assert.rejects(
      dispatchText(pool, { method: 'GET', path: '/a', headers: {}, signal: controller.signal }),
      /aborted/,
    );
    // The pool still works for requests without that signal.
    assert.equal((await dispatchText(pool, { method: 'GET', path: '/a', headers: {} })).status, 200);
  });

  it('a transport error rejects', async () => {
    const closed = new Pool('http://127.0.0.1:1', { connections: 1 });
    await assert.rejects(
      dispatchText(closed, { method: 'GET', path: '/', headers: {} }),
      (err: Error & { code?: string }) => err.code === 'ECONNREFUSED',
    );
    await closed.close();
  });
});
