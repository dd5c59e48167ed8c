/**
 * Screenshots of Prometheus' classic web UI from Debian's headless Chromium, driven over the DevTools protocol so
 * that one page load is both checked (it must show data) and captured. A page that shows no data fails the run;
 * nothing is compared pixel by pixel. The images land in docs/img/.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import { spawnManaged, tailLog, waitFor, type ManagedProcess } from './harness/index.js';
import { errorMessage } from '../../src/errors.js';

/** Chromium's flags for a clean, offline, reproducible headless run. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
];

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** One Chromium with one page, spoken to over its DevTools WebSocket. */
export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly proc: ManagedProcess,
    private readonly socket: WebSocket,
    private readonly profile: string,
  ) {
    socket.addEventListener('message', (event) => {
      const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
  }

  /** Starts Chromium with a new empty profile under `dir` and connects to its first page. */
  static async launch(dir: string, binary = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium'): Promise<Browser> {
    const profile = join(dir, 'chromium-profile');
    rmSync(profile, { recursive: true, force: true });
    mkdirSync(profile, { recursive: true });
    const logFile = join(dir, 'chromium.log');
    const proc = spawnManaged({
      name: 'chromium',
      command: binary,
      args: [...FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
      logFile,
    });
    try {
      // Chromium writes the port it chose into the profile.
      const portFile = join(profile, 'DevToolsActivePort');
      const port = await waitFor(
        () => {
          if (!proc.running()) throw new Error(`chromium exited:\n${tailLog(logFile)}`);
          return existsSync(portFile) ? readFileSync(portFile, 'utf8').split('\n')[0]?.trim() || undefined : undefined;
        },
        30_000,
        { what: 'Chromium to open its DevTools port', intervalMs: 100 },
      );
      const pageUrl = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) });
          const targets = (await res.json()) as { type: string; webSocketDebuggerUrl?: string }[];
          return targets.find((t) => t.type === 'page')?.webSocketDebuggerUrl;
        },
        30_000,
        { what: "Chromium's page target", intervalMs: 100 },
      );
      const socket = new WebSocket(pageUrl);
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve());
        socket.addEventListener('error', () => reject(new Error(`cannot connect to ${pageUrl}`)));
      });
      const browser = new Browser(proc, socket, profile);
      await browser.send('Page.enable');
      await browser.send('Runtime.enable');
      return browser;
    } catch (error) {
      await proc.kill();
      throw error;
    }
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Chromium did not answer ${method} within 30 s`));
      }, 30_000);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The value of a JavaScript expression in the page. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string };
    };
    if (result.exceptionDetails !== undefined) throw new Error(`${expression}: ${result.exceptionDetails.text}`);
    return result.result.value as T;
  }

  /**
   * Loads `url`, waits until `shows` (a JavaScript expression) is true, then writes a PNG of the viewport to
   * `file`. Throws with the page's text when the page never shows what it should (no data).
   */
  async screenshot(opts: {
    url: string;
    shows: string;
    file: string;
    width?: number;
    height?: number;
    before?: string;
    timeoutMs?: number;
  }): Promise<void> {
    await this.send('Emulation.setDeviceMetricsOverride', {
      width: opts.width ?? 1400,
      height: opts.height ?? 900,
      deviceScaleFactor: 1,
      mobile: false,
    });
    await this.send('Page.navigate', { url: opts.url });
    try {
      await waitFor(
        async () => (await this.evaluate<string>('document.readyState')) === 'complete' && this.evaluate(opts.shows),
        opts.timeoutMs ?? 20_000,
        { what: `${opts.url} to show ${opts.shows}`, intervalMs: 100 },
      );
    } catch (error) {
      const text = await this.evaluate<string>('document.body.innerText').catch((e) => errorMessage(e));
      throw new Error(`${errorMessage(error)}\n--- page text\n${text.slice(0, 2000)}`, { cause: error });
    }
    if (opts.before !== undefined) await this.evaluate(opts.before);
    const shot = (await this.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
    writeFileSync(opts.file, Buffer.from(shot.data, 'base64'));
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.proc.stop(5000);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** The classic UI's graph page with one expression over the last `range`, on the Graph tab. */
export function graphUrl(prometheusUrl: string, expr: string, range: string): string {
  const q = new URLSearchParams({ 'g0.expr': expr, 'g0.range_input': range, 'g0.tab': '0' });
  return `${prometheusUrl}/classic/graph?${q.toString()}`;
}

/** True once the classic graph drew a legend entry per series and reported no error. */
export function graphShows(series: number): string {
  return (
    `(document.querySelectorAll('.legend .line').length >= ${series}) && ` +
    `!document.body.innerText.includes('No datapoints found.') && ` +
    `(document.querySelector('.graph_area svg path') !== null)`
  );
}

/** True when the classic alerts page lists `alertname` as firing. */
export function alertFiringShows(alertname: string): string {
  return (
    `Array.from(document.querySelectorAll('tr.alert-danger.alert_header'))` +
    `.some((r) => r.innerText.includes(${JSON.stringify(alertname)}))`
  );
}

/**
 * What a person does on the page: hide the inactive rules (the page's own "Inactive" filter does the same) and
 * expand the firing rule's row, which shows the rule and its active alert.
 */
export function expandFiring(alertname: string): string {
  return (
    `document.querySelectorAll('#alertsTable > tbody > tr.alert-success')` +
    `.forEach((r) => { r.style.display = 'none'; }); ` +
    `Array.from(document.querySelectorAll('tr.alert-danger.alert_header'))` +
    `.filter((r) => r.innerText.includes(${JSON.stringify(alertname)})).forEach((r) => r.click()); true`
  );
}
