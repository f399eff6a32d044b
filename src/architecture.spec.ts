import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Holds the layout to the rules docs/architecture.md states, read from the
 * code's own imports: folders import downwards only, helpers and ports never
 * import features, store adapters never read configuration, and the picture of
 * the modules in the doc is the one the imports draw.
 */

const SRC = __dirname;
const ARCHITECTURE_DOC = join(SRC, '..', 'docs', 'architecture.md');

/** Folders that know nothing of Lapse's features. */
const FOUNDATIONS = ['common', 'validation', 'time-series', 'config', 'redis', 'http'];

/** The composition root: the files directly under src/. */
const ROOT = 'app';

interface Import {
  from: string;
  to: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every relative import of a source file (not a spec), as paths relative to src/. */
function imports(): Import[] {
  return sourceFiles(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']*)'/g)].map(([, target]) => ({
      from: relative(SRC, file),
      to: relative(SRC, resolve(dirname(file), target)),
    })),
  );
}

/** The top folder of a path under src/ (a file or a folder's index), or the root for files directly in it. */
function folderOf(path: string): string {
  const [top, ...rest] = path.split(sep);
  const isFolder =
    rest.length > 0 || statSync(join(SRC, top), { throwIfNoEntry: false })?.isDirectory();
  return isFolder ? top : ROOT;
}

/** Folder-to-folder imports, as `from -> to`. */
function folderEdges(): Set<string> {
  return new Set(
    imports()
      .map(({ from, to }) => [folderOf(from), folderOf(to)])
      .filter(([from, to]) => from !== to)
      .map(([from, to]) => `${from} -> ${to}`),
  );
}

/** The folder edges drawn in the doc's mermaid picture (`a --> b`, ids with `_` for `-`). */
function documentedEdges(): Set<string> {
  const doc = readFileSync(ARCHITECTURE_DOC, 'utf8');
  const picture = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const name = (id: string): string => id.replace(/_/g, '-');
  return new Set(
    [...picture.matchAll(/^\s*(\w+)(?:\[[^\]]*\])?\s*-->\s*(\w+)/gm)].map(
      ([, from, to]) => `${name(from)} -> ${name(to)}`,
    ),
  );
}

/** A cycle among the folders, if there is one. */
function findCycle(edges: Set<string>): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const [from, to] = edge.split(' -> ');
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const done = new Set<string>();
  const visit = (folder: string, path: string[]): string[] | undefined => {
    if (path.includes(folder)) return [...path.slice(path.indexOf(folder)), folder];
    if (done.has(folder)) return undefined;
    for (const to of next.get(folder) ?? []) {
      const cycle = visit(to, [...path, folder]);
      if (cycle) return cycle;
    }
    done.add(folder);
    return undefined;
  };
  for (const folder of next.keys()) {
    const cycle = visit(folder, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('architecture', () => {
  it('has no folders that import each other, directly or around a circle', () => {
    expect(findCycle(folderEdges())).toBeUndefined();
  });

  it('keeps src/common free of anything of Lapse', () => {
    const reaching = imports().filter(
      ({ from, to }) => folderOf(from) === 'common' && folderOf(to) !== 'common',
    );
    expect(reaching).toStrictEqual([]);
  });

  it('never lets helpers import a feature', () => {
    const upwards = imports().filter(
      ({ from, to }) => FOUNDATIONS.includes(folderOf(from)) && !FOUNDATIONS.includes(folderOf(to)),
    );
    expect(upwards).toStrictEqual([]);
  });

  it('never lets a store adapter read configuration', () => {
    const reading = imports().filter(
      ({ from, to }) => from.split(sep).includes('stores') && folderOf(to) === 'config',
    );
    expect(reading).toStrictEqual([]);
  });

  it('never lets a port import its adapters, nor security import storage', () => {
    const wrong = imports().filter(
      ({ from, to }) =>
        (['cache/cache-store.ts', 'tracking/tracking-store.ts', 'origin/fill-lock.ts'].includes(
          from.split(sep).join('/'),
        ) &&
          to.split(sep).includes('stores')) ||
        (folderOf(from) === 'security' && folderOf(to) === 'storage'),
    );
    expect(wrong).toStrictEqual([]);
  });

  it('chooses adapters in one place: only StorageModule imports them from outside their folder', () => {
    const choosers = imports()
      .filter(({ to }) => to.split(sep).includes('stores'))
      .filter(({ from, to }) => dirname(from) !== dirname(to))
      .map(({ from }) => from.split(sep).join('/'));
    // The package's entry point hands the memory adapters to applications
    // that wire CacheModule themselves; it chooses nothing.
    expect(new Set(choosers)).toStrictEqual(new Set(['storage/storage.module.ts', 'index.ts']));
  });

  it('is drawn in docs/architecture.md as its imports are', () => {
    expect([...documentedEdges()].sort()).toStrictEqual([...folderEdges()].sort());
  });
});
