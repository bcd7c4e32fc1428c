/**
 * Lays down one package of package-lock.json, with every dependency the lock records for it, into node_modules,
 * without `npm install`: no lifecycle scripts run and neither package.json nor package-lock.json changes.
 *
 * Why not `npm install --no-save`: in a workspace that reifies the whole tree (pruning whatever it considers
 * extraneous) and it would rerun @tensorflow/tfjs-node's install script, which downloads libtensorflow from a host a
 * firewalled machine cannot reach. The lock already says exactly which versions go where and their sha512, so we
 * fetch those tarballs with `npm pack` (the ordinary registry client), check them against the lock and unpack them.
 *
 *   node --import tsx scripts/native/lock-install.ts add <lock-path> --cache <dir>   (prints what it added)
 *   node --import tsx scripts/native/lock-install.ts rollback --cache <dir>          (removes only what add added)
 *
 * `add` records the folders it created in <cache>/lock-install-manifest.json, so a failed install can be undone
 * without touching packages that were already there.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface LockEntry {
  readonly version?: string;
  readonly name?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly optional?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

type LockPackages = Readonly<Record<string, LockEntry>>;

const MANIFEST = 'lock-install-manifest.json';

function fail(message: string): never {
  process.stderr.write(`lock-install: ${message}\n`);
  process.exit(1);
}

/** The package name a lock path installs, e.g. node_modules/a/node_modules/@s/b -> @s/b. */
function nameFromPath(lockPath: string): string {
  const at = lockPath.lastIndexOf('node_modules/');
  return lockPath.slice(at + 'node_modules/'.length);
}

/** Node's lookup, replayed on the lock: the nearest node_modules/<name> at or above `from`. */
function resolveInLock(packages: LockPackages, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at < 0 ? '' : dir.slice(0, at);
  }
}

/** Whether the lock marks this entry for another platform (npm skips those, so do we). */
function foreignPlatform(entry: LockEntry): boolean {
  const matches = (list: readonly string[] | undefined, value: string): boolean => {
    if (list === undefined || list.length === 0) return true;
    const allowed = list.filter((item) => !item.startsWith('!'));
    if (list.includes(`!${value}`)) return false;
    return allowed.length === 0 || allowed.includes(value);
  };
  return !matches(entry.os, process.platform) || !matches(entry.cpu, process.arch);
}

/** Every lock path the root needs at run time (dependencies and optionalDependencies, transitively). */
export function closureOf(packages: LockPackages, root: string): string[] {
  if (packages[root] === undefined) fail(`package-lock.json has no entry "${root}"`);
  const seen = new Set<string>();
  const todo = [root];
  while (todo.length > 0) {
    const path = todo.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path] as LockEntry;
    const required = Object.keys(entry.dependencies ?? {});
    const optional = Object.keys(entry.optionalDependencies ?? {});
    for (const name of [...required, ...optional]) {
      const target = resolveInLock(packages, path, name);
      if (target === undefined) {
        if (optional.includes(name)) continue;
        fail(`package-lock.json: "${path}" depends on "${name}", which the lock does not place anywhere`);
      }
      todo.push(target);
    }
  }
  return [...seen].sort();
}

function installedVersion(repoRoot: string, lockPath: string): string | undefined {
  const manifest = join(repoRoot, lockPath, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
}

function sha512Matches(file: string, integrity: string): boolean {
  const wanted = integrity.split(/\s+/).find((part) => part.startsWith('sha512-'));
  if (wanted === undefined) return true; // old sha1-only entries: npm pack already checked the registry's hash
  const actual = `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  return actual === wanted;
}

interface PackResult {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
}

function add(repoRoot: string, root: string, cache: string): void {
  const lockFile = join(repoRoot, 'package-lock.json');
  const packages = (JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: LockPackages }).packages;
  if (packages === undefined) fail(`${lockFile}: no "packages" map (lockfileVersion >= 2 is required)`);

  const missing: string[] = [];
  for (const path of closureOf(packages, root)) {
    const entry = packages[path] as LockEntry;
    if (entry.link === true || foreignPlatform(entry)) continue;
    const have = installedVersion(repoRoot, path);
    if (have === entry.version) continue;
    if (have !== undefined) {
      // Someone else's package at another version: replacing it could break their work, so stop and say so.
      fail(`${path} is installed at ${have} but package-lock.json wants ${entry.version}; run npm ci first`);
    }
    if (existsSync(join(repoRoot, path))) fail(`${path} exists without a package.json; remove it and rerun`);
    missing.push(path);
  }
  if (missing.length === 0) {
    process.stdout.write('lock-install: every package is already in node_modules\n');
    return;
  }

  const tarballs = join(cache, 'npm');
  mkdirSync(tarballs, { recursive: true });
  const specOf = (path: string): string => {
    const entry = packages[path] as LockEntry;
    return `${entry.name ?? nameFromPath(path)}@${entry.version}`;
  };
  // npm pack's file name for a spec: @scope/name@1.2.3 -> scope-name-1.2.3.tgz.
  const tarballName = (spec: string): string => {
    const at = spec.lastIndexOf('@');
    return `${spec.slice(0, at).replace(/^@/, '').replace('/', '-')}-${spec.slice(at + 1)}.tgz`;
  };
  const integrityOf = new Map(missing.map((path) => [specOf(path), (packages[path] as LockEntry).integrity]));
  const cached = (spec: string): boolean => {
    const file = join(tarballs, tarballName(spec));
    const integrity = integrityOf.get(spec);
    return existsSync(file) && integrity !== undefined && sha512Matches(file, integrity);
  };
  // One package may sit at several lock paths (nested copies); fetch each name@version once, and only if the
  // cache (filled by an earlier run, e.g. before `npm ci` wiped node_modules) lacks it.
  const specs = [...new Set(missing.map(specOf))];
  const toFetch = specs.filter((spec) => !cached(spec));
  const tarballOf = new Map(specs.map((spec) => [spec, tarballName(spec)]));
  if (toFetch.length > 0) {
    process.stdout.write(`lock-install: fetching ${toFetch.length} tarballs with npm pack (${specs.length - toFetch.length} cached)\n`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs, ...toFetch], {
        cwd: tarballs,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      }),
    ) as PackResult[];
    for (const result of packed) tarballOf.set(`${result.name}@${result.version}`, result.filename);
  } else {
    process.stdout.write(`lock-install: all ${specs.length} tarballs are in the cache\n`);
  }

  const staging = join(cache, 'staging');
  rmSync(staging, { recursive: true, force: true });
  missing.forEach((path, index) => {
    const entry = packages[path] as LockEntry;
    const filename = tarballOf.get(specOf(path));
    if (filename === undefined) fail(`npm pack returned no tarball for ${specOf(path)}`);
    const tarball = join(tarballs, filename);
    if (entry.integrity !== undefined && !sha512Matches(tarball, entry.integrity)) {
      fail(`${tarball}: sha512 differs from package-lock.json's integrity for ${path}`);
    }
    const target = join(staging, String(index));
    mkdirSync(target, { recursive: true });
    // Registry tarballs hold one top folder ("package/" for almost all); strip it whatever its name.
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1', '--no-same-owner']);
  });

  // Parents before children, so node_modules/a/node_modules/b lands inside an a that is already in place.
  const order = missing.map((path, index) => ({ path, index })).sort((x, y) => x.path.length - y.path.length);
  const manifestFile = join(cache, MANIFEST);
  // Earlier runs' additions stay listed, so a rollback always returns node_modules to its state before the first;
  // entries that are gone (npm ci deleted node_modules since) are dropped, so the list never claims npm's packages.
  const added = readManifest(manifestFile).filter((path) => existsSync(join(repoRoot, path)));
  try {
    for (const { path, index } of order) {
      mkdirSync(join(repoRoot, path, '..'), { recursive: true });
      renameSync(join(staging, String(index)), join(repoRoot, path));
      if (!added.includes(path)) added.push(path);
    }
  } finally {
    writeFileSync(manifestFile, `${JSON.stringify({ added }, null, 2)}\n`);
    rmSync(staging, { recursive: true, force: true });
  }
  process.stdout.write(`lock-install: added ${order.length} packages to node_modules (listed in ${manifestFile})\n`);
}

function readManifest(manifestFile: string): string[] {
  if (!existsSync(manifestFile)) return [];
  return (JSON.parse(readFileSync(manifestFile, 'utf8')) as { added: string[] }).added;
}

function rollback(repoRoot: string, cache: string): void {
  const manifestFile = join(cache, MANIFEST);
  const added = readManifest(manifestFile);
  if (added.length === 0) {
    process.stdout.write('lock-install: nothing to roll back\n');
    return;
  }
  // Children first; a parent's removal would take them anyway, but this keeps the count honest.
  for (const path of [...added].sort((x, y) => y.length - x.length)) {
    if (!path.startsWith('node_modules/')) fail(`${manifestFile}: refusing to remove "${path}"`);
    rmSync(join(repoRoot, path), { recursive: true, force: true });
  }
  rmSync(manifestFile);
  process.stdout.write(`lock-install: removed the ${added.length} packages this script had added\n`);
}

function main(argv: readonly string[]): void {
  const [command, ...rest] = argv;
  const cacheAt = rest.indexOf('--cache');
  const cacheArg = cacheAt >= 0 ? rest[cacheAt + 1] : undefined;
  if (cacheArg === undefined) fail('missing --cache <dir>');
  const cache = resolve(cacheArg);
  mkdirSync(cache, { recursive: true });
  const repoRoot = resolve(import.meta.dirname, '..', '..');
  if (command === 'add') {
    const root = rest[0];
    if (root === undefined || root.startsWith('--')) fail('usage: add <lock-path> --cache <dir>');
    add(repoRoot, root, cache);
  } else if (command === 'rollback') {
    rollback(repoRoot, cache);
  } else {
    fail(`unknown command "${command ?? ''}" (expected add or rollback)`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  main(process.argv.slice(2));
}
