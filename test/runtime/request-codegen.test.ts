// The generated request validator must say exactly what the portable closure validator says: same
// verdict, same path, same message — on random schemas with valid, mutated and arbitrary requests.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePortableRequestCheck } from "../../runtime/request.js";
import { generateRequestCheck } from "../../runtime/request-codegen.js";
import { Draw, drawMutation, drawRequest, drawSchema } from "../support/arbitraries/index.js";

describe("generated request validator", () => {
  it("agrees with the closure validator on random schemas and requests", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.anything(), { maxLength: 5 }), (seed, junk) => {
        const d = Draw.seeded(seed);
        const schema = drawSchema(d, { maxDepth: 3, maxFields: 5 });
        const generated = generateRequestCheck(schema);
        const portable = compilePortableRequestCheck(schema);
        expect(generated).toBeDefined();
        const requests: unknown[] = [drawRequest(d, schema), ...junk];
        for (let i = 0; i < 12; i++) requests.push(drawMutation(d, schema).request);
        for (const r of requests) expect(generated!(r)).toEqual(portable(r));
        // a valid request must be accepted by both
        expect(generated!(requests[0])).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it("keeps hostile field names inert", () => {
    const schema = {
      kind: "record" as const,
      fields: [
        { name: '"); throw new Error("injected"); ("', optional: true, type: { kind: "int" as const } },
        { name: "__proto__", optional: true, type: { kind: "string" as const, max: 8 } },
        { name: "a\u2028b", optional: false, type: { kind: "bool" as const } },
      ],
    };
    const check = generateRequestCheck(schema)!;
    expect(check({ "a\u2028b": true })).toBeUndefined();
    expect(check({ "a\u2028b": true, '"); throw new Error("injected"); ("': "x" })?.message).toMatch(/expected int/);
    expect(check(JSON.parse('{"a\\u2028b": true, "__proto__": 5}'))?.message).toMatch(/__proto__: expected string/);
    expect(check({})).toEqual(compilePortableRequestCheck(schema)({}));
  });
});
