// JSON schemas for kubeconform, made offline from Go modules (nothing can be fetched from GitHub in CI): the
// Kubernetes API from the swagger.json that k8s.io/kubectl ships (in the module cache since helm is built from
// source), the monitoring.coreos.com kinds from the Prometheus Operator's own CRDs. Files are named as
// kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}.json` expects, and are strict: unknown fields fail.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { execOk } from './exec.js';

const PROMETHEUS_OPERATOR = 'github.com/prometheus-operator/prometheus-operator@v0.85.0';

type Json = { [key: string]: unknown };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Strictness and Kubernetes' int-or-string, the two things kubeconform's own schema generator adds. */
function tighten(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tighten);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = tighten(v);
  if (out.format === 'int-or-string' || out['x-kubernetes-int-or-string'] === true) {
    return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  }
  const open = out['x-kubernetes-preserve-unknown-fields'] === true || 'additionalProperties' in out;
  if (isObject(out.properties) && !open) out.additionalProperties = false;
  return out;
}

async function moduleDir(spec: string): Promise<string> {
  const info = JSON.parse(await execOk('go', ['mod', 'download', '-json', spec])) as { Dir?: string };
  if (info.Dir === undefined) throw new Error(`go mod download ${spec}: no directory`);
  return info.Dir;
}

/** The kubectl swagger.json of the newest kubectl module in the Go module cache. */
async function kubernetesSwagger(): Promise<string> {
  const cache = (await execOk('go', ['env', 'GOMODCACHE'])).trim();
  const versions = readdirSync(join(cache, 'k8s.io'))
    .filter((d) => d.startsWith('kubectl@'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = versions.at(-1);
  if (newest === undefined)
    throw new Error(`no k8s.io/kubectl in ${cache}: build helm with scripts/provision-tools.sh`);
  return join(cache, 'k8s.io', newest, 'testdata', 'openapi', 'swagger.json');
}

/** Writes the schemas of `kinds` (apiVersion/kind pairs) into `dir`; returns kubeconform's -schema-location. */
export async function writeKubeSchemas(
  dir: string,
  kinds: readonly { apiVersion: string; kind: string }[],
): Promise<string> {
  const swagger = JSON.parse(readFileSync(await kubernetesSwagger(), 'utf8')) as { definitions: Json };
  const definitions = tighten(swagger.definitions) as Json;
  const crdDir = join(await moduleDir(PROMETHEUS_OPERATOR), 'example', 'prometheus-operator-crd');
  const crds = readdirSync(crdDir).map((f) => parse(readFileSync(join(crdDir, f), 'utf8')) as Json);

  for (const { apiVersion, kind } of kinds) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const suffix = group === '' ? `-${version}` : `-${group?.split('.')[0]}-${version}`;
    const file = join(dir, `${kind.toLowerCase()}${suffix}.json`);
    if (group === '' || !group?.endsWith('monitoring.coreos.com')) {
      const prefix = group === '' ? 'core' : group?.replace(/\.k8s\.io$/, '');
      const name = Object.keys(definitions).find((d) => d.endsWith(`.${prefix}.${version}.${kind}`));
      if (name === undefined) throw new Error(`no schema for ${apiVersion} ${kind} in the Kubernetes swagger`);
      writeFileSync(file, JSON.stringify({ $ref: `#/definitions/${name}`, definitions }));
      continue;
    }
    const crd = crds.find((c) => isObject(c.spec) && isObject(c.spec.names) && c.spec.names.kind === kind);
    const versions = crd && isObject(crd.spec) && Array.isArray(crd.spec.versions) ? crd.spec.versions : [];
    const entry = versions.find((v): v is Json => isObject(v) && v.name === version);
    const schema = entry && isObject(entry.schema) ? entry.schema.openAPIV3Schema : undefined;
    if (schema === undefined) throw new Error(`no CRD schema for ${apiVersion} ${kind} in ${PROMETHEUS_OPERATOR}`);
    writeFileSync(file, JSON.stringify(tighten(schema)));
  }
  return join(dir, '{{ .ResourceKind }}{{ .KindSuffix }}.json');
}
