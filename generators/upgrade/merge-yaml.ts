/**
 * docker-compose and GitHub workflow YAML merged by key, comments kept. The three versions are parsed
 * with yaml's Document API; the merged value is decided by merge-value.ts (maps by key, sequences of
 * steps/items by name, id, action or command); then the user's own document is edited in place to reach
 * it, so their comments and layout stay, and nodes the template added come with the template's comments.
 * Finally the layout the YAML printer normalised is given back by a line merge against the user's text.
 * Returns undefined when structure is ambiguous (anchors, several documents, a conflict on one key,
 * unparsable input): the caller then merges by line.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { decodeText, encodeText, mergeStrings } from './merge-text.js';
import { deepEqual, isPlainObject, merge3Value, ValueConflict, type Path } from './merge-value.js';

const TO_STRING = { lineWidth: 0, minContentWidth: 0 } as const;

type Doc = Document.Parsed;

function parseOne(text: string): Doc | undefined {
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(docs) || docs.length !== 1) return undefined;
  const doc = docs[0]!;
  if (doc.errors.length > 0) return undefined;
  let anchored = false;
  visit(doc, (_key, node) => {
    if (isAlias(node) || ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor)) {
      anchored = true;
      return visit.BREAK;
    }
    return undefined;
  });
  return anchored ? undefined : doc;
}

/** How to tell the items of a YAML sequence apart: steps by name, id, action (without its version) or command. */
export function yamlItemId(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const name = str(item['name']);
  if (name !== undefined) return `name:${name}`;
  const id = str(item['id']);
  if (id !== undefined) return `id:${id}`;
  const uses = str(item['uses']);
  if (uses !== undefined) return `uses:${uses.split('@')[0]!}`;
  const run = str(item['run']);
  if (run !== undefined) return `run:${run}`;
  return undefined;
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) && (typeof pair.key.value === 'string' || typeof pair.key.value === 'number') ? String(pair.key.value) : undefined;
}

function clone(node: unknown): Node {
  return (node as Node).clone() as Node;
}

function toJs(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  return (node as Node).toJSON();
}

class Reconciler {
  constructor(private readonly doc: Doc) {}

  /** Returns a node whose value is `target`, reusing `node` (ours) where it can and `theirs` where it helps. */
  node(node: unknown, target: unknown, theirs: unknown, path: Path): unknown {
    const current = toJs(node);
    if (deepEqual(current, target)) return node;
    if (isMap(node) && isPlainObject(target)) return this.map(node, target, isMap(theirs) ? theirs : undefined, path);
    if (isSeq(node) && Array.isArray(target)) {
      const seq = this.seq(node, target, isSeq(theirs) ? theirs : undefined, path);
      if (seq) return seq;
    }
    if (theirs !== undefined && deepEqual(toJs(theirs), target)) return clone(theirs);
    return this.doc.createNode(target);
  }

  private map(node: YAMLMap, target: Record<string, unknown>, theirs: YAMLMap | undefined, path: Path): YAMLMap {
    const mine = new Map<string, Pair>();
    for (const p of node.items) {
      const k = keyOf(p);
      if (k === undefined) throw new Ambiguous();
      mine.set(k, p);
    }
    const theirsPairs = new Map<string, Pair>();
    for (const p of theirs?.items ?? []) {
      const k = keyOf(p);
      if (k !== undefined) theirsPairs.set(k, p);
    }
    node.items = Object.keys(target).map((k) => {
      const p = mine.get(k);
      const tp = theirsPairs.get(k);
      if (p) {
        p.value = this.node(p.value, target[k], tp?.value ?? undefined, [...path, k]);
        return p;
      }
      if (tp && deepEqual(toJs(tp.value), target[k])) return tp.clone() as Pair;
      return this.doc.createPair(k, target[k]);
    });
    return node;
  }

  private seq(node: YAMLSeq, target: unknown[], theirs: YAMLSeq | undefined, path: Path): YAMLSeq | undefined {
    const byId = (items: unknown[]) => {
      const m = new Map<string, unknown>();
      for (const item of items) {
        const id = yamlItemId(toJs(item));
        if (id === undefined || m.has(id)) return undefined;
        m.set(id, item);
      }
      return m;
    };
    const mine = byId(node.items);
    const theirsItems = theirs ? byId(theirs.items) : new Map<string, unknown>();
    if (!mine || !theirsItems) return undefined;
    const items: unknown[] = [];
    for (const value of target) {
      const id = yamlItemId(value);
      if (id === undefined) return undefined;
      const existing = mine.get(id);
      const theirsItem = theirsItems.get(id);
      if (existing !== undefined) items.push(this.node(existing, value, theirsItem, [...path, id]));
      else items.push(theirsItem !== undefined && deepEqual(toJs(theirsItem), value) ? clone(theirsItem) : this.doc.createNode(value));
    }
    node.items = items;
    return node;
  }
}

class Ambiguous extends Error {}

export function mergeYaml(base: Buffer | undefined, ours: Buffer, theirs: Buffer): Buffer | undefined {
  const o = decodeText(ours);
  const bDoc = base === undefined ? undefined : parseOne(decodeText(base).text);
  const oDoc = parseOne(o.text);
  const tDoc = parseOne(decodeText(theirs).text);
  if (!oDoc || !tDoc || (base !== undefined && !bDoc)) return undefined;
  const ov = oDoc.toJS() as unknown;
  let merged: unknown;
  try {
    merged = merge3Value(bDoc?.toJS() as unknown, ov, tDoc.toJS() as unknown, [], () => yamlItemId);
  } catch (err) {
    if (err instanceof ValueConflict) return undefined;
    throw err;
  }
  if (deepEqual(merged, ov)) return ours;

  const printedBefore = oDoc.toString(TO_STRING);
  try {
    oDoc.contents = new Reconciler(oDoc).node(oDoc.contents, merged, tDoc.contents, []) as typeof oDoc.contents;
  } catch (err) {
    if (err instanceof Ambiguous) return undefined;
    throw err;
  }
  const printed = oDoc.toString(TO_STRING);
  // The printer normalises layout (quotes, indentation, blank lines); a line merge against the user's
  // text puts their layout back around the changes. If that does not merge cleanly, the printed form is
  // still a correct merge.
  const relaid = mergeStrings(printedBefore, o.text, printed, { ours: 'a', base: 'b', theirs: 'c' });
  for (const candidate of relaid.conflicts === 0 ? [relaid.text, printed] : [printed]) {
    const check = parseOne(candidate);
    if (check && deepEqual(check.toJS(), merged)) return encodeText(candidate, o);
  }
  return undefined;
}
