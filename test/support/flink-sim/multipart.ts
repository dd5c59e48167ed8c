/** Just enough multipart/form-data parsing for `POST /jars/upload`: the file parts and their names. */

export interface FilePart {
  readonly field: string;
  readonly fileName: string;
  readonly bytes: number;
}

/** The parts of `body` that carry a file name; an empty list when the body is not multipart. */
export function fileParts(contentType: string | undefined, body: Buffer): FilePart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const mark = boundary?.[1] ?? boundary?.[2];
  if (mark === undefined) return [];
  const delimiter = Buffer.from(`--${mark}`);
  const parts: FilePart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const field = /name="([^"]*)"/i.exec(headers)?.[1];
      const fileName = /filename="([^"]*)"/i.exec(headers)?.[1];
      // The content ends before the CRLF that precedes the next delimiter.
      const bytes = Math.max(0, part.length - headerEnd - 4 - 2);
      if (field !== undefined && fileName !== undefined) parts.push({ field, fileName, bytes });
    }
    start = next;
  }
  return parts;
}
