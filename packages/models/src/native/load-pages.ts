/**
 * Gives back memory the process holds but no longer uses. First, what libtensorflow's loading leaves behind: the
 * tensorflow-cpu wheel's libtensorflow_cc.so.2 exports every C++ symbol, so loading it makes the dynamic linker read
 * ~100 MiB of symbol names, symbol tables and relocation records that nothing reads again; they stay resident and count in the process's RSS. The
 * page-release addon (packages/models/native/page-release, built by `npm run native:install`) asks Linux to
 * reclaim the library's read-only, non-executable pages (madvise MADV_PAGEOUT). Clean pages come back from the
 * file if anything touches them again; nothing is discarded, so results cannot change.
 *
 * Then, malloc's free pages once traced training steps start running as graphs (`releaseFreedHeap`, below).
 *
 * Optional: without the addon (not built, not Linux, kernel before 5.4) the library simply stays as loaded, and
 * the reason is recorded. `BPTT_NATIVE_PAGE_RELEASE=off` skips both (the bench uses that to measure the gain).
 */
import { loadOptionalAddon } from './optional-addon.ts';

export interface LoadPagesRelease {
  readonly released: boolean;
  /** What was done, or why not. Stable for one installation (sizes of mappings, not of RSS). */
  readonly detail: string;
}

interface PageReleaseAddon {
  pageOutReadOnly(pathSubstring: string): { mappings: number; bytes: number; errno: number };
  /** Older builds of the addon lack it (`npm run native:addons` rebuilds). */
  trimHeap?(): boolean;
}

const pageReleaseAddon = () => loadOptionalAddon<PageReleaseAddon>('page-release', 'page_release');

export function releaseLoadPages(library: string, env: NodeJS.ProcessEnv = process.env): LoadPagesRelease {
  if (env['BPTT_NATIVE_PAGE_RELEASE'] === 'off') return { released: false, detail: 'skipped (BPTT_NATIVE_PAGE_RELEASE=off)' };
  if (process.platform !== 'linux') return { released: false, detail: `not on Linux (${process.platform})` };
  const loaded = pageReleaseAddon();
  if (loaded.addon === undefined) return { released: false, detail: loaded.detail };
  const { mappings, bytes, errno } = loaded.addon.pageOutReadOnly(library);
  if (mappings === 0) {
    return {
      released: false,
      detail: errno !== 0 ? `madvise(MADV_PAGEOUT) failed with errno ${errno} (Linux 5.4 or later is needed)` : `no read-only mapping of ${library} found`,
    };
  }
  return { released: true, detail: `read-only pages of ${library} reclaimed after load (${mappings} mappings, ${Math.round(bytes / 2 ** 20)} MiB advised)` };
}

/**
 * Returns malloc's free pages to the system (glibc malloc_trim), through the same addon; false when it is not built,
 * not Linux, or BPTT_NATIVE_PAGE_RELEASE=off. The graph cache calls it before a newly compiled training step's first
 * run: the eager steps that traced it freed their tensors into the main thread's malloc arenas, where TensorFlow's
 * executor threads, allocating from their own, cannot reuse them, so without it both stay resident (larger bench
 * configuration: peak RSS 550-559 against 589-604 MiB without it; docs/native-tensorflow.md). Only free memory
 * is released.
 */
export function releaseFreedHeap(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['BPTT_NATIVE_PAGE_RELEASE'] === 'off' || process.platform !== 'linux') return false;
  return pageReleaseAddon().addon?.trimHeap?.() ?? false;
}
