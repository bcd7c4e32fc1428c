/**
 * Loads the native TensorFlow backend (@tensorflow/tfjs-node, an optional dependency). Its install downloads
 * libtensorflow, which fails on machines without that network access; then the package is simply absent and
 * this returns the reason instead of throwing. See docs/native-tensorflow.md for the offline install path.
 */
export async function loadNativeTensorflow(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  // A variable specifier: the package is optional, so neither TypeScript nor bundlers may require it.
  const specifier = '@tensorflow/tfjs-node';
  try {
    const mod = (await import(specifier)) as { version?: Record<string, string>; default?: { version?: Record<string, string> } };
    const versions = mod.version ?? mod.default?.version ?? {};
    return { ok: true, version: versions['tfjs-node'] ?? versions['tfjs-core'] ?? 'unknown' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
    return { ok: false, reason: `${specifier} did not load: ${message}` };
  }
}
