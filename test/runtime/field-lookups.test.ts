// Loading a module makes the code that reads requests into it from the schema and the input layout,
// walking the two side by side: each field of one looks up its namesake in the other by name, in an
// index made once per list of fields (runtime/field-named.ts). A search of the other's fields for
// each took their product: 153 s to load a policy reading each of 20,000 fields. Work is counted
// here, not timed, in reads of the elements of the lists of fields.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { planLayout } from "../../compiler/backend/layout.js";
import { ingestSource } from "../../runtime/wasm/ingest-codegen.js";
import { createEncoder } from "../../runtime/wasm/encoder.js";
import { fieldNamed, fieldNames } from "../../runtime/field-named.js";
import { countFieldReads } from "../support/counted-fields.js";

const FIELDS = 2_000;

async function schemaAndLayout() {
  const names = Array.from({ length: FIELDS }, (_, i) => `f${i}`);
  const source = `policy "q" version "1"\ninput { ${names.map((n) => `${n}: int`).join(", ")} }\npermit p when [${names.join(", ")}].size() > 0\n`;
  const r = await compilePolicy(source, { stopAfter: "check" });
  expect(r.diagnostics).toEqual([]);
  const schema = r.ir!.schema;
  const { layout } = planLayout(r.ir!);
  expect(layout.root.fields).toHaveLength(FIELDS);
  return { schema, layout, counted: countFieldReads(schema, layout) };
}

describe("making a module's request readers", () => {
  it("reads the fields of the schema and the layout a few times each, not once for each of the other's", async () => {
    const { schema, layout, counted } = await schemaAndLayout();
    expect(ingestSource(schema, layout, 0)).toBeDefined();
    expect(counted.reads).toBeLessThan(10 * FIELDS);
  });

  it.each([["generated", false], ["portable", true]] as const)("so does the %s encoder", async (_, portable) => {
    const { schema, layout, counted } = await schemaAndLayout();
    createEncoder(layout, schema, new WebAssembly.Memory({ initial: 2 }), 0, { portable });
    expect(counted.reads).toBeLessThan(10 * FIELDS);
  });
});

describe("a field by name", () => {
  const named = (names: string[]) => names.map((name, i) => ({ name, i }));

  it("is the first of that name, as a search finds it, in short lists and long", () => {
    for (const n of [3, 50]) {
      const fields = named([...Array.from({ length: n }, (_, i) => `f${i}`), "f1", "__proto__", "constructor"]);
      expect(fieldNamed(fields, "f1")).toBe(fields[1]);
      expect(fieldNamed(fields, "__proto__")).toBe(fields[n + 1]);
      expect(fieldNamed(fields, "constructor")).toBe(fields[n + 2]);
      expect(fieldNamed(fields, "toString")).toBeUndefined();
      expect(fieldNames(fields)).toEqual(fields.map((f) => f.name));
    }
  });

  it("is found in a list that grew after it was indexed", () => {
    const fields = named(Array.from({ length: 20 }, (_, i) => `f${i}`));
    expect(fieldNamed(fields, "late")).toBeUndefined();
    expect(fieldNames(fields)).toHaveLength(20);
    fields.push({ name: "late", i: 20 });
    expect(fieldNamed(fields, "late")).toBe(fields[20]);
    expect(fieldNames(fields).at(-1)).toBe("late");
  });
});
