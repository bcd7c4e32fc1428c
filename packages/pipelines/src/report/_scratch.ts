import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { reportToFiles } from './index.ts';
import { sampleReport as s } from './sample.ts';
const t0 = Date.now();
const files = await reportToFiles(s());
console.log('ms', Date.now() - t0);
for (const [p, c] of Object.entries(files)) { const f = `/tmp/out/rep/${p}`; mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, c); }
console.log(Object.keys(files));
