/**
 * `npm run docs`: rewrites what the documentation takes from the code and the committed results: the generated
 * sections of docs/reference.md, and docs/benchmarks.md from bench/results/ (latest.json and memory-limit-*.json).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { writeBenchmarksDoc } from '../bench/docs.js';
import { fillSections } from './reference/render.js';
import { REFERENCE_FILE, referenceSections } from './reference/sections.js';

const before = await readFile(REFERENCE_FILE, 'utf8');
const after = fillSections(before, await referenceSections());
await writeFile(REFERENCE_FILE, after);
process.stdout.write(`${REFERENCE_FILE}: ${after === before ? 'unchanged' : 'rewritten'}\n`);

process.stdout.write(`${writeBenchmarksDoc('.')}: written from bench/results/\n`);
