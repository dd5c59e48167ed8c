/**
 * The character codes of JSON's structure, for the scanners that read a body before `JSON.parse` builds it (the
 * webhook's counts, the checkpoint statistics cut). Bytes and UTF-16 code units agree on all of them.
 */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

/** JSON's insignificant whitespace: space, line feed, carriage return, tab. */
export function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
