/**
 * `npm run build:simd-kernels`: assembles the kernels of packages/models/src/fused/simd/kernels-source.ts (wabt, a dev
 * dependency) and rewrites kernels.generated.ts beside it. Run it after editing that source.
 */
import fs from 'node:fs';
import { assembleKernels, GENERATED_PATH, generatedModuleText } from '../packages/models/src/fused/simd/assemble.ts';

const binaries = await assembleKernels();
fs.writeFileSync(GENERATED_PATH, generatedModuleText(binaries));
console.log(`wrote ${GENERATED_PATH} (${binaries.plain.length} bytes plain, ${binaries.shared.length} bytes shared)`);
