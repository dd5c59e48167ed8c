/**
 * `npm run docs`: rewrites what the documentation takes from the code and the committed results: the generated
 * sections of docs/reference.md, and docs/benchmarks.md from bench/results/latest.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { LATEST_RESULTS, writeBenchmarksDoc } from '../bench/docs.js';
import type { Results } from '../bench/report.js';
import { fillSections } from './reference/render.js';
import { REFERENCE_FILE, referenceSections } from './reference/sections.js';

const before = await readFile(REFERENCE_FILE, 'utf8');
const after = fillSections(before, await referenceSections());
await writeFile(REFERENCE_FILE, after);
process.stdout.write(`${REFERENCE_FILE}: ${after === before ? 'unchanged' : 'rewritten'}\n`);

const results = JSON.parse(await readFile(LATEST_RESULTS, 'utf8')) as Results;
process.stdout.write(`${writeBenchmarksDoc('.', results)}: written from ${LATEST_RESULTS}\n`);
