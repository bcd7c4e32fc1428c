/**
 * Node module-resolution hook for one file tree: @tensorflow/tfjs-core's ESM build (dist/**), whose relative
 * imports omit the ".js" extension (it is written for bundlers). Node's ESM loader refuses those; this hook
 * retries them as "<specifier>.js" and "<specifier>/index.js". Nothing outside tfjs-core/dist is touched.
 */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !/\.[cm]?js$/.test(specifier)) {
    for (const candidate of [`${specifier}.js`, `${specifier}/index.js`]) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next form
      }
    }
  }
  return nextResolve(specifier, context);
}
