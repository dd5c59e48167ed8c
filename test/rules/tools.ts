/** Helpers shared by the rules suite: the real promtool/amtool binaries, and the repository's rule files. */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';

/** Where each tool comes from, for the message when it is missing. */
const PACKAGES: Record<string, string> = {
  promtool: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
};

/** The absolute path of a binary on PATH, or an error that says how to install it (tests fail, never skip). */
export function requireTool(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  const pkg = PACKAGES[name] ?? name;
  throw new Error(
    `${name} is not on PATH. The rules suite runs the real tool and fails without it: install Debian's ` +
      `'${pkg}' package (apt-get install -y ${pkg}), as .ci/run does.`,
  );
}

/** Where scripts/provision-tools.sh puts the pinned Go builds of the current tools. */
export const PROVISIONED_BIN = join(
  process.env.FLINK_GUARDIAN_TOOLS ?? join(homedir(), '.cache', 'flink-guardian', 'tools'),
  'bin',
);

/** A tool built by scripts/provision-tools.sh, or an error that says how to build it (tests fail, never skip). */
export function requireProvisionedTool(name: 'promtool3' | 'amtool-current' | 'sloth'): string {
  const candidate = join(PROVISIONED_BIN, name);
  try {
    accessSync(candidate, constants.X_OK);
    return candidate;
  } catch {
    throw new Error(
      `${candidate} is missing. The rules suite checks with the current tools too and fails without them: ` +
        `run scripts/provision-tools.sh ${name} (needs Go; FLINK_GUARDIAN_TOOLS moves the folder), as .ci/run does.`,
    );
  }
}

/** One of the two versions of a tool every check runs with: Debian's older build and a current one. */
export type ToolVersion = { label: string; path: () => string };

/** promtool of Prometheus 2 (Debian, closed range selectors) and of Prometheus 3 (left-open ranges). */
export const PROMTOOLS: readonly ToolVersion[] = [
  { label: 'promtool 2 (Debian)', path: () => requireTool('promtool') },
  { label: 'promtool 3', path: () => requireProvisionedTool('promtool3') },
];

/** amtool of Alertmanager 0.25 (Debian) and of a current Alertmanager. */
export const AMTOOLS: readonly ToolVersion[] = [
  { label: 'amtool 0.25 (Debian)', path: () => requireTool('amtool') },
  { label: 'amtool current', path: () => requireProvisionedTool('amtool-current') },
];

/** Whether a binary is on PATH (for optional tools only). */
export function hasTool(name: string): boolean {
  try {
    requireTool(name);
    return true;
  } catch {
    return false;
  }
}

export type RunResult = { code: number; stdout: string; stderr: string };

/** Runs a command to completion; never throws for a non-zero exit. */
export function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** A failure message with the command's whole output, so CI logs say what the tool said. */
export function explain(what: string, result: RunResult): string {
  return `${what} (exit ${result.code})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

export const RULES_DIR = 'prometheus/rules';
export const PROMTOOL_TESTS_DIR = 'test/rules/promtool';
export const DASHBOARDS_DIR = 'grafana/dashboards';

/** Files of a folder with one of the given extensions, sorted, as paths relative to the repository root. */
export function filesIn(dir: string, ...extensions: string[]): string[] {
  return readdirSync(dir)
    .filter((f) => extensions.some((e) => f.endsWith(e)))
    .sort()
    .map((f) => join(dir, f));
}

export type Rule = {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
export type RuleGroup = { name: string; interval?: string; rules: Rule[] };
export type LoadedRule = Rule & { file: string; group: string };

/** Every rule of prometheus/rules/*.yml. */
export function loadRules(): LoadedRule[] {
  const out: LoadedRule[] = [];
  for (const file of filesIn(RULES_DIR, '.yml', '.yaml')) {
    const doc = parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] };
    for (const group of doc.groups) {
      for (const rule of group.rules) out.push({ ...rule, file, group: group.name });
    }
  }
  return out;
}

/** The distinct alert names defined in the rules. */
export function alertNames(rules: readonly LoadedRule[]): string[] {
  return [...new Set(rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])))].sort();
}

/** The names of the recorded series. */
export function recordedNames(rules: readonly LoadedRule[]): string[] {
  return rules.flatMap((r) => (r.record === undefined ? [] : [r.record]));
}
