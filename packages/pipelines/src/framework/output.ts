/**
 * Atomic stage outputs: files are written into a temporary sibling folder, which replaces the output folder by a
 * rename only once everything is written. A stage that fails leaves no output folder, so Nx can never cache a
 * half-written result.
 */
import { Effect, FileSystem } from 'effect';
import { dirname, join } from 'node:path';
import { OutputError } from './errors.ts';

/** Relative path inside the output folder -> content. */
export type OutputFiles = Readonly<Record<string, string | Uint8Array>>;

function temporarySibling(outputDir: string): string {
  return `${outputDir}.partial-${process.pid}`;
}

/** Removes a previous output, so a failing rerun cannot leave a stale one behind either. */
export const clearOutput = (outputDir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    yield* fs.remove(outputDir, { recursive: true, force: true });
    yield* fs.remove(temporarySibling(outputDir), { recursive: true, force: true });
  }).pipe(Effect.mapError((error) => new OutputError({ path: outputDir, reason: String(error) })));

export const writeOutputAtomically = (outputDir: string, files: OutputFiles) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    const staging = temporarySibling(outputDir);
    const write = Effect.gen(function* () {
      yield* fs.remove(staging, { recursive: true, force: true });
      yield* fs.makeDirectory(staging, { recursive: true });
      for (const relativePath of Object.keys(files).sort()) {
        if (relativePath.startsWith('/') || relativePath.split('/').includes('..')) {
          return yield* Effect.fail(new OutputError({ path: relativePath, reason: 'output paths must stay inside the output folder' }));
        }
        const target = join(staging, relativePath);
        yield* fs.makeDirectory(dirname(target), { recursive: true });
        const content = files[relativePath] as string | Uint8Array;
        if (typeof content === 'string') yield* fs.writeFileString(target, content);
        else yield* fs.writeFile(target, content);
      }
      yield* fs.remove(outputDir, { recursive: true, force: true });
      yield* fs.makeDirectory(dirname(outputDir), { recursive: true });
      yield* fs.rename(staging, outputDir);
    });
    yield* write.pipe(
      Effect.mapError((error) => (error instanceof OutputError ? error : new OutputError({ path: outputDir, reason: String(error) }))),
      Effect.onError(() => fs.remove(staging, { recursive: true, force: true }).pipe(Effect.ignore)),
    );
  });
