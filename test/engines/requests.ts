// Seeded request vectors for a policy's schema, for the two-engine tests. Values are drawn mostly
// from pools that make rules fire — the strings the module interns (the policy's literals), the
// integers in the policy text and their neighbours, a few shared strings so that cross-field
// equalities hold — and sometimes from outside them (other strings, int64 extremes that overflow).
// Every request is valid under the schema, so each one reaches the module.

import type { RecordType, SchemaType } from "../../runtime/schema.js";
import { mulberry32 } from "../../bench/prng.js";

/** mulberry32: small, seedable, the same sequence on every machine */
export function prng(seed: number): () => number {
  return mulberry32(seed).next;
}

export interface Pools {
  readonly strings: readonly string[];
  readonly ints: readonly (number | bigint)[];
}

const SHARED = ["t1", "t2", "alice", "", "x"];
const INT64_EXTREMES = [9223372036854775807n, -9223372036854775808n, 4611686018427387904n];

/** Pools from the module's interned strings and the integer literals of the policy text. */
export function poolsFor(policyText: string, internedStrings: readonly string[]): Pools {
  const ints = new Set<number>([0, 1, 2, -1]);
  for (const m of policyText.matchAll(/(?<![\w.])\d{1,15}(?![\w.])/g)) {
    const n = Number(m[0]);
    ints.add(n).add(n - 1).add(n + 1);
  }
  return { strings: [...new Set([...internedStrings, ...SHARED])], ints: [...ints] };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

export function generateRequest(schema: RecordType, pools: Pools, random: () => number): Record<string, unknown> {
  return generateValue(schema, pools, random) as Record<string, unknown>;
}

/** A value of type `t`, drawn from the pools as described above. */
export function generateValue(type: SchemaType, pools: Pools, random: () => number, hotStrings?: readonly string[]): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  // a few "hot" strings per request, so that fields compared with each other are often equal
  const hot = hotStrings ?? [pick(pools.strings), pick(pools.strings)];
  const value = (t: SchemaType): unknown => {
    switch (t.kind) {
      case "bool":
        return random() < 0.5;
      case "int": {
        const r = random();
        if (r < 0.35) return Math.floor(random() * 30);
        if (r < 0.8) return pick(pools.ints);
        if (r < 0.97) return Math.floor(random() * 200) - 50;
        return pick(INT64_EXTREMES);
      }
      case "string": {
        const r = random();
        const h = pick(hot);
        if (r < 0.4 && utf8Length(h) <= t.max) return h;
        const fits = pools.strings.filter((s) => utf8Length(s) <= t.max);
        if (r < 0.88 && fits.length > 0) return pick(fits);
        const s = ["é", "z", "tool-", "ü✓", "a"].map((p) => p.repeat(1 + Math.floor(random() * 3))).join("").slice(0, 6);
        return utf8Length(s) <= t.max ? s : "";
      }
      case "list": {
        const n = Math.floor(random() * (Math.min(t.max, 4) + 1));
        return Array.from({ length: n }, () => value(t.element));
      }
      case "map": {
        const n = Math.floor(random() * (Math.min(t.max, 3) + 1));
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = pick(pools.strings);
          if (utf8Length(key) <= t.keyMax) out[key] = value(t.value);
        }
        return out;
      }
      case "record": {
        const out: Record<string, unknown> = {};
        for (const f of t.fields) {
          if (f.optional && random() < 0.2) continue;
          out[f.name] = value(f.type);
        }
        return out;
      }
    }
  };
  return value(type);
}

/**
 * A copy of `request` with one to three values replaced: a field (present or absent, when optional),
 * a list element, a map entry. Seeds taken from a policy's own tests sit close to its decision
 * boundaries, so small mutations of them cross those boundaries often.
 */
export function mutateRequest(request: unknown, schema: RecordType, pools: Pools, random: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const hot = collectStrings(request);
  const mutate = (value: unknown, t: SchemaType): unknown => {
    const stop = random() < 0.3;
    switch (t.kind) {
      case "record": {
        const rec = { ...(value as Record<string, unknown>) };
        const f = pick(t.fields);
        if (f.optional && random() < 0.25) delete rec[f.name];
        else rec[f.name] = f.name in rec && !stop ? mutate(rec[f.name], f.type) : generateValue(f.type, pools, random, hot);
        return rec;
      }
      case "list": {
        const list = [...(value as unknown[])];
        const r = random();
        if (list.length > 0 && r < 0.4) list[Math.floor(random() * list.length)] = generateValue(t.element, pools, random, hot);
        else if (list.length < t.max && r < 0.8) list.push(generateValue(t.element, pools, random, hot));
        else if (list.length > 0) list.splice(Math.floor(random() * list.length), 1);
        return list;
      }
      case "map": {
        const map = { ...(value as Record<string, unknown>) };
        const keys = Object.keys(map);
        const r = random();
        if (keys.length > 0 && r < 0.4) map[pick(keys)] = generateValue(t.value, pools, random, hot);
        else if (keys.length > 0 && r < 0.6) delete map[pick(keys)];
        else if (keys.length < t.max) {
          const key = pick(pools.strings);
          if (utf8Length(key) <= t.keyMax) map[key] = generateValue(t.value, pools, random, hot);
        }
        return map;
      }
      default:
        return generateValue(t, pools, random, hot);
    }
  };
  let out = request;
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) out = mutate(out, schema);
  return out;
}

function collectStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      collectStrings(x, out);
    }
  }
  return out.length > 0 ? out : [""];
}

/**
 * Picks `n` requests that cover as many different outcomes as possible: candidates are grouped by
 * their outcome signature (decision, deciding rules, error codes) and taken round-robin, so every
 * outcome that occurs is represented before any is repeated.
 */
export function selectDiverse<T>(candidates: readonly { item: T; signature: string }[], n: number): T[] {
  const groups = new Map<string, T[]>();
  for (const c of candidates) {
    const g = groups.get(c.signature);
    if (g) g.push(c.item);
    else groups.set(c.signature, [c.item]);
  }
  const out: T[] = [];
  const lists = [...groups.values()];
  for (let round = 0; out.length < n; round++) {
    let took = false;
    for (const list of lists) {
      if (round < list.length && out.length < n) {
        out.push(list[round]!);
        took = true;
      }
    }
    if (!took) break;
  }
  return out;
}
