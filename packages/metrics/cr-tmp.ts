import { readFileSync } from 'node:fs';
import { correctlyRoundedExp, correctlyRoundedLog } from './src/correctly-rounded.ts';
const d = JSON.parse(readFileSync('/tmp/cr_wide.json', 'utf8'));
let bad = 0;
for (const [x, v] of d.log) { const g = correctlyRoundedLog(x); if (g !== v) { bad++; if (bad < 10) console.log('log', x, g, v); } }
for (const [x, v] of d.exp) { const g = correctlyRoundedExp(x); if (g !== v && !(v === null && g === Infinity)) { bad++; if (bad < 20) console.log('exp', x, g, v); } }
console.log('bad', bad, d.log.length + d.exp.length);
