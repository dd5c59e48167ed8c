/**
 * How restore points are spelled: `chk-5`, `chk-5/`, `chk-5/_metadata` and `file:` URIs of one directory are one
 * restore point. Pure.
 */

/** The local filesystem path of a checkpoint directory URI, or undefined when it is not on this machine. */
export function localPathOf(dir: string): string | undefined {
  if (dir.startsWith('file://')) {
    const rest = dir.slice('file://'.length);
    return rest.startsWith('/') ? rest : undefined; // file://host/... is not local
  }
  if (dir.startsWith('file:')) return dir.slice('file:'.length);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) return undefined;
  return dir;
}

/** A path as Flink sees the restore point: `chk-5`, `chk-5/` and `chk-5/_metadata` are one checkpoint. */
export function normalizeRestorePath(path: string): string {
  return path
    .replace(/\/+$/, '')
    .replace(/\/_metadata$/, '')
    .replace(/\/+$/, '');
}

/** The checkpoint id a `chk-N` path carries. */
export function checkpointIdOf(path: string): number | undefined {
  const m = /(?:^|\/)chk-(\d+)$/.exec(normalizeRestorePath(path));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** One restore point however it is spelled: `file:///a/chk-1/_metadata`, `file:/a/chk-1` and `/a/chk-1` are one. */
export function sameRestorePoint(a: string, b: string): boolean {
  const norm = (p: string) => {
    const n = normalizeRestorePath(p);
    return localPathOf(n) ?? n;
  };
  return norm(a) === norm(b);
}
