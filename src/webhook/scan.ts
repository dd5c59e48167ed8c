/**
 * Counts what a webhook body holds before anything is built from it. `JSON.parse` of a body of many empty
 * alerts makes one object per alert, and validating them blocks the event loop for seconds, so the counts that
 * bound that work come from the raw bytes. A streaming JSON parser would still make a token per value; counting
 * separators needs no library. Malformed JSON is not judged here: `JSON.parse` reports it afterwards.
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  isJsonSpace,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from '../json-bytes.js';

/** What the scan found: the elements of the top-level `alerts` array and the widest object in the body. */
export interface BodyCounts {
  readonly alerts: number;
  /** Members of the widest object (a label set, usually), and where it is: `alerts[3]`, `commonLabels`. */
  readonly widest: { readonly members: number; readonly where: string };
}

const ALERTS = Buffer.from('alerts');

// Flags of an open object or array, kept in a number so that a body of empty alerts allocates nothing per alert.
const OBJECT = 1;
const FILLED = 2;
const ALERTS_ARRAY = 4;

/** Counts alerts and object members of a JSON body in one pass over its bytes, without decoding it. */
export function countBody(body: Uint8Array): BodyCounts {
  const flags: number[] = [];
  const commas: number[] = [];
  let alerts = 0;
  let widest = { members: 0, where: '(root)' };
  let key = ''; // the current member of the root object, while its value is scanned
  let keyIsAlerts = false;
  let lastString: [number, number] = [0, 0];
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (isJsonSpace(byte)) continue;
    const top = flags.length - 1;
    if (top >= 0 && byte !== CLOSE_OBJECT && byte !== CLOSE_ARRAY) flags[top] = (flags[top] as number) | FILLED;
    switch (byte) {
      case QUOTE: {
        const end = stringEnd(body, i + 1);
        lastString = [i + 1, end];
        i = end;
        break;
      }
      case COLON:
        if (flags.length === 1) {
          const name = body.subarray(lastString[0], lastString[1]);
          // An escaped key may decode to "alerts": count it as one rather than let it pass uncounted.
          keyIsAlerts = Buffer.compare(name, ALERTS) === 0 || name.includes(BACKSLASH);
          key = name.length <= 64 ? Buffer.from(name).toString('utf8') : 'a member';
        }
        break;
      case COMMA:
        if (top >= 0) commas[top] = (commas[top] as number) + 1;
        break;
      case OPEN_OBJECT:
        flags.push(OBJECT);
        commas.push(0);
        break;
      case OPEN_ARRAY:
        flags.push(flags.length === 1 && keyIsAlerts ? ALERTS_ARRAY : 0);
        commas.push(0);
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY: {
        const closed = flags.pop();
        const separators = commas.pop();
        if (closed === undefined || separators === undefined) break;
        const count = (closed & FILLED) !== 0 ? separators + 1 : 0;
        if ((closed & ALERTS_ARRAY) !== 0) alerts += count;
        else if ((closed & OBJECT) !== 0 && count > widest.members) {
          widest = { members: count, where: place(flags, commas, key) };
        }
        break;
      }
    }
  }
  // A body cut short still counts what it opened: the caps must hold before JSON.parse says it is torn.
  flags.forEach((open, at) => {
    if ((open & ALERTS_ARRAY) !== 0 && (open & FILLED) !== 0) alerts += (commas[at] as number) + 1;
  });
  return { alerts, widest };
}

/** The index of the quote that ends a string starting at `from` (or the body's length when it never ends). */
function stringEnd(body: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    const quote = body.indexOf(QUOTE, at);
    if (quote < 0) return body.length;
    let backslashes = 0;
    while (body[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** Where an object closed at: `alerts[3]` inside the alerts array, else the root member it is in. */
function place(flags: readonly number[], commas: readonly number[], key: string): string {
  if (((flags[1] ?? 0) & ALERTS_ARRAY) !== 0) return `alerts[${commas[1]}]`;
  return flags.length === 0 ? '(root)' : key;
}
