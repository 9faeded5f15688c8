// The import graph of src/ goes one way (README "Layout"): the folders under src/modules/ in the
// order below, each importing only folders before it; nothing outside src/modules/ imports from it,
// except the three files that assemble the service. Type-only imports count: a type is a dependency.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

/** Lowest first: a folder may import only the folders listed before it. */
const MODULE_ORDER = ['one-time-tokens', 'users', 'events', 'sessions', 'two-factor', 'accounts', 'password-strength', 'sign-in', 'web', 'health', 'housekeeping'];
/** The composition roots: they wire every module together. */
const ROOTS = new Set(['src/app.ts', 'src/main.ts', 'src/cli.ts']);

const repo = path.resolve(import.meta.dirname, '../..');

interface Edge {
  from: string;
  to: string;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(repo, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.relative(repo, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/** Every relative import, export … from and import() of src/, resolved to a repository path. */
async function importEdges(): Promise<Edge[]> {
  const edges: Edge[] = [];
  for (const file of await sourceFiles('src')) {
    const { importedFiles } = ts.preProcessFile(await readFile(path.join(repo, file), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      edges.push({ from: file, to: path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)) });
    }
  }
  return edges;
}

/** The folder under src/modules/ a file belongs to, or null outside it. */
function moduleOf(file: string): string | null {
  const match = /^src\/modules\/([^/]+)\//.exec(file);
  return match ? match[1]! : null;
}

/** Folder-level edges between different module folders. */
function moduleEdges(edges: Edge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = moduleOf(edge.from);
    const to = moduleOf(edge.to);
    if (!from || !to || from === to) continue;
    graph.set(from, (graph.get(from) ?? new Set()).add(to));
  }
  return graph;
}

/** Each cycle between module folders, as the folders on it (depth-first search). */
function moduleCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

const describeEdge = (edge: Edge): string => `${edge.from} → ${edge.to}`;

describe('architecture: src/ imports in one direction', async () => {
  const edges = await importEdges();

  it('every folder under src/modules/ has a place in the written order', async () => {
    const folders = (await readdir(path.join(repo, 'src/modules'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual(folders.filter((f) => !MODULE_ORDER.includes(f)), [], 'add the new folder to MODULE_ORDER and to the README layout');
  });

  it('no cycle between module folders', () => {
    assert.deepEqual(moduleCycles(moduleEdges(edges)).map((cycle) => cycle.join(' → ')), []);
  });

  it('a module folder imports only the folders below it in the order', () => {
    const upward = edges.filter((edge) => {
      const from = moduleOf(edge.from);
      const to = moduleOf(edge.to);
      return from && to && from !== to && MODULE_ORDER.indexOf(to) > MODULE_ORDER.indexOf(from);
    });
    assert.deepEqual(upward.map(describeEdge), []);
  });

  it('nothing outside src/modules/ imports from it, except app.ts, main.ts and cli.ts', () => {
    const reachingUp = edges.filter((edge) => !moduleOf(edge.from) && !ROOTS.has(edge.from) && moduleOf(edge.to));
    assert.deepEqual(reachingUp.map(describeEdge), []);
  });

  it('the checks see imports: the graph holds the edges app.ts is known to have', () => {
    // Guards the parser itself: were it to find nothing, every check above would pass.
    assert.ok(edges.some((edge) => edge.from === 'src/app.ts' && edge.to === 'src/config.ts'));
    assert.ok(edges.some((edge) => edge.from.startsWith('src/modules/sign-in/') && moduleOf(edge.to) === 'sessions'));
  });
});
