/**
 * Loads one of the project's optional N-API addons (packages/models/native/<name>, built by `npm run native:addons`,
 * which `native:install` runs): the module, or a sentence saying why not. A missing build and a build that does not
 * load here (another architecture, a stale build) are told apart, since their fixes differ.
 */
import { createRequire } from 'node:module';

export type OptionalAddon<T> = { readonly addon: T } | { readonly addon?: undefined; readonly detail: string };

export function loadOptionalAddon<T>(name: string, file: string): OptionalAddon<T> {
  try {
    return { addon: createRequire(import.meta.url)(`../../native/${name}/build/Release/${file}.node`) as T };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      return { detail: `the ${name} addon is not built (\`npm run native:install\` builds it)` };
    }
    return { detail: `the ${name} addon does not load (${(error as Error).message.split('\n')[0]}); \`npm run native:addons\` rebuilds it` };
  }
}
