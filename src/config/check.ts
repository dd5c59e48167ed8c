/**
 * What `serve` needs beyond a valid file: the files and directories the configuration names, checked the same
 * way by `check-config` and before `serve` builds anything, so a configuration that passes one starts the other.
 * Each problem carries its path in the file.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type ConfigIssue, errorMessage } from '../errors.js';
import type { Config } from './schema.js';

type Check = Promise<ConfigIssue | undefined>;

async function readText(path: string, file: string): Promise<{ text: string } | ConfigIssue> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (err) {
    return { path, message: `cannot read ${file}: ${errorMessage(err)}` };
  }
}

function certificateOf(path: string, file: string, text: string): X509Certificate | ConfigIssue {
  try {
    return new X509Certificate(text);
  } catch (err) {
    return { path, message: `${file} is not a PEM certificate: ${errorMessage(err)}` };
  }
}

const isIssue = (x: object): x is ConfigIssue => 'message' in x;

/** The server's certificate and key: readable, PEM, and one pair. */
async function checkServerTls(tls: NonNullable<Config['tls']>): Promise<ConfigIssue[]> {
  const [cert, key] = await Promise.all([readText('tls.certFile', tls.certFile), readText('tls.keyFile', tls.keyFile)]);
  const issues: ConfigIssue[] = [];
  const certificate = isIssue(cert) ? cert : certificateOf('tls.certFile', tls.certFile, cert.text);
  if (isIssue(certificate)) issues.push(certificate);
  let privateKey;
  if (isIssue(key)) issues.push(key);
  else {
    try {
      privateKey = createPrivateKey(key.text);
    } catch (err) {
      issues.push({ path: 'tls.keyFile', message: `${tls.keyFile} is not a PEM private key: ${errorMessage(err)}` });
    }
  }
  if (privateKey !== undefined && !isIssue(certificate) && !certificate.checkPrivateKey(privateKey)) {
    issues.push({ path: 'tls.keyFile', message: `${tls.keyFile} is not the key of the certificate in tls.certFile` });
  }
  return issues;
}

async function checkCaFile(path: string, file: string): Check {
  const text = await readText(path, file);
  if (isIssue(text)) return text;
  const cert = certificateOf(path, file, text.text);
  return isIssue(cert) ? cert : undefined;
}

/** The state directory: a writable directory, or one that can be created (its nearest existing parent is). */
async function checkStateDir(dir: string): Check {
  let at = dir;
  for (;;) {
    const info = await stat(at).catch((err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' || err.code === 'ENOTDIR' ? undefined : err,
    );
    if (info instanceof Error) return { path: 'stateDir', message: `cannot use ${dir}: ${errorMessage(info)}` };
    if (info !== undefined) {
      if (!info.isDirectory()) {
        return { path: 'stateDir', message: `${at === dir ? dir : at} is not a directory` };
      }
      try {
        await access(at, constants.W_OK | constants.X_OK);
        return undefined;
      } catch {
        return {
          path: 'stateDir',
          message: at === dir ? `${dir} is not writable` : `${dir} does not exist and ${at} is not writable`,
        };
      }
    }
    const parent = dirname(at);
    if (parent === at) return { path: 'stateDir', message: `cannot create ${dir}` };
    at = parent;
  }
}

async function checkJar(path: string, file: string): Check {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { path, message: `${file} is not a file` };
    await access(file, constants.R_OK);
    return undefined;
  } catch (err) {
    return { path, message: `cannot read ${file}: ${errorMessage(err)}` };
  }
}

/** Every problem that would stop `serve`, each with its path; empty when it can start. */
export async function checkServeNeeds(config: Config): Promise<ConfigIssue[]> {
  const checks: Check[] = [checkStateDir(config.stateDir)];
  config.clusters.forEach((cluster, i) => {
    const caFile = cluster.tls?.caFile;
    if (caFile !== undefined) checks.push(checkCaFile(`clusters[${i}].tls.caFile`, caFile));
  });
  config.jobs.forEach((job, i) => {
    checks.push(checkJar(`jobs[${i}].jar`, job.jar));
  });
  const [tlsIssues, ...rest] = await Promise.all([
    config.tls === undefined ? Promise.resolve([]) : checkServerTls(config.tls),
    ...checks,
  ]);
  return [...tlsIssues, ...rest.filter((issue): issue is ConfigIssue => issue !== undefined)];
}
