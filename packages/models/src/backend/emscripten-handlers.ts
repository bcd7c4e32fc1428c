/**
 * Emscripten's Node glue (both wasm loaders) adds process-wide `uncaughtException` and `unhandledRejection`
 * handlers that rethrow from inside its one-line minified script. Any later uncaught error, ours or a user's,
 * then prints that whole multi-megabyte line instead of the error and exits with code 7. tfjs removes them only
 * when the backend is disposed; we remove them as soon as the backend has started, which gives Node's default
 * handling (the error and its stack, exit code 1) back.
 */
export async function withoutAddedProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  const exceptions = new Set(process.listeners('uncaughtException'));
  const rejections = new Set(process.listeners('unhandledRejection'));
  try {
    return await start();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!exceptions.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejections.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}
