import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Dispatcher } from 'undici';
import { requestText, TransportError, type TextRequest } from '../../../src/flink/transport.js';

// The collector itself, to show what a finished exchange still holds; only this test file asks for it.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const controller = {
  abort: () => {},
  pause: () => {},
  resume: () => {},
  aborted: false,
  paused: false,
  reason: null,
} as unknown as Dispatcher.DispatchController;

/**
 * A dispatcher that keeps every handler it was given, as an undici request that lived through two young
 * collections does from the old generation until the next full one.
 */
class KeepingDispatcher {
  readonly handlers: Dispatcher.DispatchHandler[] = [];

  dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.handlers.push(handler);
    return true;
  }

  asDispatcher(): Dispatcher {
    return this as unknown as Dispatcher;
  }
}

const req: TextRequest = { method: 'GET', path: '/jobs/overview', headers: {}, timeoutMs: 5_000, maxBytes: 1024 };

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref() !== undefined; i += 1) {
    // A WeakRef's target stays until the job that made it ends.
    await tick();
    collect();
  }
  return ref.deref() === undefined;
}

describe('requestText', () => {
  it('answers the body as text with its status', async () => {
    const d = new KeepingDispatcher();
    const pending = requestText(d.asDispatcher(), req);
    const [h] = d.handlers;
    assert.ok(h !== undefined);
    h.onRequestStart?.(controller, {});
    h.onResponseStart?.(controller, 200, {}, 'OK');
    h.onResponseData?.(controller, Buffer.from('{"jobs":'));
    h.onResponseData?.(controller, Buffer.from('[]}'));
    h.onResponseEnd?.(controller, {});
    assert.deepEqual(await pending, { status: 200, text: '{"jobs":[]}' });
  });

  it('refuses a body past maxBytes with too_large', async () => {
    const d = new KeepingDispatcher();
    const pending = requestText(d.asDispatcher(), { ...req, maxBytes: 4 });
    const [h] = d.handlers;
    h?.onRequestStart?.(controller, {});
    h?.onResponseStart?.(controller, 200, {}, 'OK');
    h?.onResponseData?.(controller, Buffer.from('[[[[['));
    await assert.rejects(pending, (err) => err instanceof TransportError && err.reason === 'too_large');
  });

  // Nepotism: an old-generation object that is already garbage still keeps what it points to alive through
  // every young collection until the next full one. A finished exchange that still pointed at its promise
  // held each response's text that way, and V8 then learned to allocate those objects in the old generation.
  it('holds neither the answer nor the error once settled, while undici still holds the handler', async () => {
    const d = new KeepingDispatcher();
    let answer: WeakRef<object> | undefined;
    let error: WeakRef<object> | undefined;
    await (async () => {
      const ok = requestText(d.asDispatcher(), req);
      const failing = requestText(d.asDispatcher(), req);
      const [h1, h2] = d.handlers;
      h1?.onRequestStart?.(controller, {});
      h1?.onResponseStart?.(controller, 200, {}, 'OK');
      h1?.onResponseData?.(controller, Buffer.from('{}'));
      h1?.onResponseEnd?.(controller, {});
      h2?.onRequestStart?.(controller, {});
      h2?.onResponseError?.(controller, new Error('socket hang up'));
      answer = new WeakRef(await ok);
      error = new WeakRef(await failing.catch((err: unknown) => err as object));
    })();
    assert.equal(d.handlers.length, 2);
    assert.ok(answer !== undefined && error !== undefined);
    assert.equal(await collected(answer), true, 'the answer is collectable');
    assert.equal(await collected(error), true, 'the error is collectable');
  });
});
