// Every construct of the IR through the WASM backend, checked against the reference interpreter on
// many generated requests (decision, rules and errors with their codes and offsets must be equal),
// plus spot checks of outcomes the semantics fix (int64 edges, error codes, absorption).

import { beforeAll, describe, expect, it } from "vitest";
import { INT64_MAX, INT64_MIN } from "../../runtime/schema.js";
import type { Decision } from "../../runtime/decision.js";
import { expressionRequests, expressionsPolicy } from "./expressions-policy.js";
import { compileIR, plain, type Compiled } from "./support.js";

const base = {
  req: { n: 1, m: 1, s1: "a", s2: "b", u: "a", w: "b", items: [1, 2], idWords: [] as string[], byteWords: [] as string[], flag: false },
  user: { attrs: {}, scores: {}, groups: [], matrix: [] },
};
type Req = typeof base.req & Record<string, unknown>;
const withReq = (req: Partial<Req>, user: Record<string, unknown> = {}) => ({ req: { ...base.req, ...req }, user: { ...base.user, ...user } });

describe("the WASM backend on every construct", () => {
  let c: Compiled;
  beforeAll(async () => {
    const { ir, errorSites } = expressionsPolicy();
    c = await compileIR(ir, errorSites);
  });

  const holds = (d: Decision, rule: string) => d.rules.includes(rule);
  const errorOf = (d: Decision, rule: string) => d.errors.find((e) => e.rule === rule);

  it("agrees with the reference interpreter on 1,500 generated requests", () => {
    const requests = expressionRequests(1500);
    let allowed = 0;
    let errored = 0;
    for (const r of requests) {
      const wasm = c.decide(r);
      const ref = c.reference(r);
      expect(plain(wasm), JSON.stringify(r, (_, v) => (typeof v === "bigint" ? `${v}n` : v))).toEqual(plain(ref));
      if (wasm.decision === "allow") allowed++;
      errored += wasm.errors.length;
    }
    // the mix exercises both outcomes and plenty of errors
    expect(allowed).toBeGreaterThan(100);
    expect(errored).toBeGreaterThan(1000);
  });

  it("reports overflow at the ±2^63 boundaries (BigInt requests)", () => {
    const d = c.decide(withReq({ n: INT64_MAX as unknown as number, m: 1 }));
    expect(errorOf(d, "add")?.code).toBe("overflow");
    expect(errorOf(d, "mul")).toBeUndefined(); // MAX * 1 fits
    const e = c.decide(withReq({ n: INT64_MIN as unknown as number, m: -1 }));
    expect(errorOf(e, "div")?.code).toBe("overflow");
    expect(errorOf(e, "mod")?.code).toBe("overflow");
    expect(errorOf(e, "mul")?.code).toBe("overflow");
    expect(errorOf(e, "neg")?.code).toBe("overflow");
    expect(errorOf(e, "sub")).toBeUndefined(); // MIN - (-1) fits
    const f = c.decide(withReq({ n: INT64_MIN as unknown as number, m: 1 }));
    expect(errorOf(f, "sub")?.code).toBe("overflow");
    expect(holds(f, "add")).toBe(false);
    const g = c.decide(withReq({ n: (1n << 32n) as unknown as number, m: (1n << 31n) as unknown as number }));
    expect(errorOf(g, "mul")?.code).toBe("overflow"); // 2^63 is one past the maximum
    const h = c.decide(withReq({ n: -(1n << 32n) as unknown as number, m: (1n << 31n) as unknown as number }));
    expect(errorOf(h, "mul")).toBeUndefined(); // -2^63 is the minimum itself
    expect(holds(h, "mul")).toBe(false);
  });

  it("divides toward zero and takes the dividend's sign for %", () => {
    expect(holds(c.decide(withReq({ n: -7, m: 7 })), "div")).toBe(true); // -7 / 7 == -1
    expect(holds(c.decide(withReq({ n: -13, m: 7 })), "div")).toBe(true); // -1.86 → -1
    expect(holds(c.decide(withReq({ n: 7, m: -3 })), "mod")).toBe(true); // 7 % -3 == 1
    expect(holds(c.decide(withReq({ n: -7, m: 3 })), "mod")).toBe(false); // -1
    const z = c.decide(withReq({ n: 1, m: 0 }));
    expect(errorOf(z, "div")?.code).toBe("division_by_zero");
    expect(errorOf(z, "mod")?.code).toBe("modulo_by_zero");
    expect(errorOf(z, "div")?.message).toBe("division by zero");
  });

  it("absorbs errors in and / or as CEL does and reports the first error of a strict node", () => {
    const d = c.decide(withReq({ n: 0, m: 0 }));
    expect(errorOf(d, "and_err_false")).toBeUndefined(); // error && false → false
    expect(holds(d, "and_err_false")).toBe(false);
    expect(errorOf(d, "or_err_true")?.code).toBe("division_by_zero"); // error || false → error
    expect(errorOf(d, "or_two_errs")?.code).toBe("division_by_zero"); // the left error wins
    expect(errorOf(d, "strict_first_error")?.code).toBe("division_by_zero");
    const e = c.decide(withReq({ n: 0, m: 5 }));
    expect(holds(e, "or_err_true")).toBe(true); // error || true → true
    expect(errorOf(e, "or_err_true")).toBeUndefined();
    expect(errorOf(e, "cond_err")?.code).toBe("division_by_zero"); // a test error is the result
    const f = c.decide(withReq({ n: -1, m: 0 }));
    expect(errorOf(f, "cond_err")?.code).toBe("division_by_zero"); // the chosen branch's error
    expect(errorOf(f, "strict_first_error")?.code).toBe("modulo_by_zero");
    expect(errorOf(c.decide(withReq({ n: 1, m: 0 })), "cond_err")).toBeUndefined(); // the other branch never runs
  });

  it("handles comprehension errors: all/exists absorb, exists_one/filter/map are strict", () => {
    // 10 / 0 errors; another element decides all (false) and exists (true)
    const d = c.decide(withReq({ items: [0, 20] }));
    expect(errorOf(d, "all_div")).toBeUndefined(); // 10/20 = 0 > 1 is false: false absorbs
    expect(holds(d, "exists_div")).toBe(false);
    expect(errorOf(d, "exists_div")?.code).toBe("division_by_zero");
    expect(errorOf(d, "exists_one_div")?.code).toBe("division_by_zero");
    const e = c.decide(withReq({ items: [2, 0] }));
    expect(holds(e, "exists_div")).toBe(true); // 10/2 == 5 stops before the error
    expect(errorOf(e, "all_div")?.code).toBe("division_by_zero");
  });

  it("reads optional fields only when present", () => {
    const absent = c.decide(withReq({}));
    expect(errorOf(absent, "opt_eq")?.code).toBe("no_such_field");
    expect(errorOf(absent, "has_and")).toBeUndefined();
    expect(holds(absent, "opt_or_true")).toBe(true);
    expect(errorOf(absent, "nested_opt")?.code).toBe("no_such_field");
    const present = c.decide(withReq({ n: 0 }, { nick: "bob", age: 40, profile: { title: "dr", level: 3 } }));
    for (const rule of ["opt_eq", "has_and", "has_cond", "nested_opt", "nested_opt2", "has_nested", "opt_and_false"]) expect(holds(present, rule)).toBe(true);
    expect(present.errors).toEqual(c.reference(withReq({ n: 0 }, { nick: "bob", age: 40, profile: { title: "dr", level: 3 } })).errors);
  });

  it("compares byte strings by code point, sizes them in code points", () => {
    // U+E000 sorts after U+1F600 in UTF-16 units, before it in code points
    expect(holds(c.decide(withReq({ u: "\u{e000}", w: "😀" })), "str_lt")).toBe(true);
    expect(holds(c.decide(withReq({ u: "😀", w: "\u{e000}" })), "str_lt")).toBe(false);
    expect(holds(c.decide(withReq({ u: "a😀" })), "str_size")).toBe(true);
    expect(holds(c.decide(withReq({ u: "é" })), "str_ge_lit")).toBe(true);
    expect(holds(c.decide(withReq({ u: "a", w: "é" })), "concat")).toBe(true);
    expect(holds(c.decide(withReq({ u: "", w: "" })), "starts")).toBe(true);
    expect(holds(c.decide(withReq({ u: "", w: "x" })), "contains")).toBe(true);
  });

  it("gives equal strings equal ids, including strings outside the interned table", () => {
    expect(holds(c.decide(withReq({ s1: "zzz-not-in-table", s2: "zzz-not-in-table" })), "id_eq_paths")).toBe(true);
    expect(holds(c.decide(withReq({ s1: "zzz-not-in-table", s2: "other" })), "id_eq_paths")).toBe(false);
    expect(holds(c.decide(withReq({ s1: "q", idWords: ["p", "q"] })), "id_in_list_path")).toBe(true);
    expect(holds(c.decide(withReq({ s2: "😀" })), "id_in")).toBe(true);
    expect(holds(c.decide(withReq({ s2: "" })), "id_in")).toBe(true);
    expect(holds(c.decide(withReq({ s1: "ab" })), "id_eq")).toBe(true);
  });
});
