/*
 * page_release: asks Linux to reclaim the read-only, non-executable pages of the shared libraries whose path
 * contains a given string (madvise MADV_PAGEOUT), and reports how much was advised; and gives malloc's free pages
 * back (trimHeap, below).
 *
 * Why: libtensorflow_cc.so.2 from the tensorflow-cpu wheel exports every C++ symbol. Loading it makes the dynamic
 * linker read about 100 MiB of symbol names, symbol tables and relocation records (.dynstr, .dynsym, .rela.dyn),
 * which stay resident although nothing reads them again. Reclaiming them right after load cuts the process's RSS
 * by about that much. Only clean read-only file pages are touched: executable pages stay (reclaiming hot code
 * would cost disk reads later), and writable or dirty pages are never dropped by MADV_PAGEOUT (it writes back or
 * skips; it never discards data), so this cannot change what the library computes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21 /* Linux 5.4 */
#endif

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* pageOutReadOnly(pathSubstring: string): { mappings: number, bytes: number, errno: number } */
static napi_value PageOutReadOnly(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return throw_error(env, "pageOutReadOnly(pathSubstring) needs one string");
  char needle[1024];
  size_t needle_length = 0;
  if (napi_get_value_string_utf8(env, argv[0], needle, sizeof needle, &needle_length) != napi_ok || needle_length == 0)
    return throw_error(env, "pageOutReadOnly: pathSubstring must be a non-empty string");

  FILE *maps = fopen("/proc/self/maps", "r");
  if (maps == NULL) return throw_error(env, "pageOutReadOnly: cannot read /proc/self/maps");
  double bytes = 0;
  int mappings = 0;
  int last_errno = 0;
  char line[8192];
  while (fgets(line, sizeof line, maps) != NULL) {
    unsigned long start = 0, end = 0;
    char perms[5] = "";
    char path[4096] = "";
    if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %4095s", &start, &end, perms, path) < 4) continue;
    /* r--p only: readable, not writable, not executable, private. */
    if (strcmp(perms, "r--p") != 0 || strstr(path, needle) == NULL) continue;
    if (madvise((void *)start, end - start, MADV_PAGEOUT) == 0) {
      bytes += (double)(end - start);
      mappings++;
    } else {
      last_errno = errno;
    }
  }
  fclose(maps);

  napi_value result, value;
  napi_create_object(env, &result);
  napi_create_int32(env, mappings, &value);
  napi_set_named_property(env, result, "mappings", value);
  napi_create_double(env, bytes, &value);
  napi_set_named_property(env, result, "bytes", value);
  napi_create_int32(env, last_errno, &value);
  napi_set_named_property(env, result, "errno", value);
  return result;
}

/*
 * trimHeap(): boolean. glibc's malloc_trim(0): returns the free pages of every malloc arena to the system (true when
 * any were). Why: eager TensorFlow ops run on Node's main thread and a compiled graph's ops on TensorFlow's executor
 * threads, which allocate from other arenas, so memory that eager steps freed stays resident while the graph
 * allocates its own. Only free memory is released; nothing live is touched.
 */
static napi_value TrimHeap(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, malloc_trim(0) == 1, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "trimHeap", NAPI_AUTO_LENGTH, TrimHeap, NULL, &fn);
  napi_set_named_property(env, exports, "trimHeap", fn);
  napi_create_function(env, "pageOutReadOnly", NAPI_AUTO_LENGTH, PageOutReadOnly, NULL, &fn);
  napi_set_named_property(env, exports, "pageOutReadOnly", fn);
  return exports;
}
