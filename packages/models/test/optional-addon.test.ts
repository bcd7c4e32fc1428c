/**
 * loadOptionalAddon (src/native/optional-addon.ts): the project's optional addons say whether they are missing or
 * built but not loadable, since the two need different fixes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadOptionalAddon } from '../src/native/optional-addon.ts';

describe('loadOptionalAddon', () => {
  test('a missing build says it is not built, naming the command that builds it', () => {
    const loaded = loadOptionalAddon('no-such-addon', 'no_such_addon');
    expect(loaded.addon).toBeUndefined();
    expect(loaded).toEqual({ detail: 'the no-such-addon addon is not built (`npm run native:install` builds it)' });
  });

  test('a build that does not load says so, with the loader\'s message and the command that rebuilds it', () => {
    const name = `broken-addon-${process.pid}`;
    const dir = path.join(import.meta.dirname, '..', 'native', name);
    mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    try {
      writeFileSync(path.join(dir, 'build', 'Release', 'broken.node'), 'not a shared library');
      const loaded = loadOptionalAddon(name, 'broken');
      expect(loaded.addon).toBeUndefined();
      expect('detail' in loaded && loaded.detail).toMatch(new RegExp(`^the ${name} addon does not load \\(.*broken\\.node.*\\); \`npm run native:addons\` rebuilds it$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
