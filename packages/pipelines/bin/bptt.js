#!/usr/bin/env node
// The `bptt` command. Inside the monorepo it runs the TypeScript sources through tsx (nothing to build first);
// an installed, built package runs dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const built = join(here, '..', 'dist', 'cli', 'main.js');
const source = join(here, '..', 'src', 'cli', 'main.ts');

if (existsSync(source)) {
  const result = spawnSync(process.execPath, ['--conditions=@bptt/source', '--import', 'tsx', source, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
} else {
  await import(built);
}
