// The decision procedure in the module (forbids first, errors of forbids deny, permits only when no
// forbid held or errored), the evaluator's fail-closed behaviour (a trap is a deny with an `internal`
// error and a fresh instance afterwards), the benchmark entry points, and the memory bound (W0902).

import { beforeAll, describe, expect, it } from "vitest";
import { generateModule } from "../../compiler/backend/index.js";
import { IRBuilder, int, listOf, rec, str } from "./ir-builder.js";
import { compileIR, plain, type Compiled } from "./support.js";
import { agentPolicy, agentRequests } from "./agent-policy.js";
import { validateProfile } from "../../runtime/wasm/profile.js";

const schema = rec({ n: int, m: int, s: str(8), items: listOf(int, 8) });

function decisionPolicy() {
  const b = new IRBuilder(schema);
  const n = (v: number) => b.lit(BigInt(v));
  b.rule("p_small", "permit", b.call("lt", b.path("n"), n(10)));
  b.rule("f_div", "forbid", b.call("gt", b.call("div", n(100), b.path("m")), n(50)));
  b.rule("p_div", "permit", b.call("gt", b.call("div", n(100), b.path("n")), n(0)));
  b.rule("f_big", "forbid", b.call("gt", b.path("n"), n(1000)));
  b.rule("p_items", "permit", b.comp("all", b.path("items"), "x", (x) => b.call("gt", b.call("div", n(10), x.v("x")), n(0))));
  b.rule("f_s", "forbid", b.call("eq", b.path("s"), b.lit("no")));
  // builds a list in the scratch arena, sized for the 8 items the bound allows
  b.rule("f_filter", "forbid", b.call("gt", b.call("size", b.comp("filter", b.path("items"), "x", (x) => b.call("gt", x.v("x"), n(100)))), n(5)));
  return { ir: b.policy("decisions"), errorSites: b.errorSites() };
}

describe("decisions from the module", () => {
  let c: Compiled;
  beforeAll(async () => {
    const { ir, errorSites } = decisionPolicy();
    c = await compileIR(ir, errorSites);
  });
  const req = (over: Record<string, unknown>) => ({ n: 1, m: 3, s: "ok", items: [1], ...over });

  it("allows when permits hold and no forbid does, naming every permit that held", () => {
    expect(plain(c.decide(req({})))).toEqual({ decision: "allow", rules: ["p_small", "p_div", "p_items"], errors: [] });
  });

  it("denies on a forbid that errored, naming it with its error; permits are not evaluated", () => {
    const d = c.decide(req({ m: 0, n: 0 }));
    expect(d.decision).toBe("deny");
    expect(d.rules).toEqual(["f_div"]);
    expect(d.errors.map((e) => [e.rule, e.code])).toEqual([["f_div", "division_by_zero"]]);
  });

  it("lists every forbid that held or errored, in declaration order", () => {
    const d = c.decide(req({ m: 0, n: 2000, s: "no" }));
    expect(d.rules).toEqual(["f_div", "f_big", "f_s"]);
    expect(d.errors.map((e) => e.rule)).toEqual(["f_div"]);
  });

  it("reports permit errors beside an allow, and denies when no permit held", () => {
    const a = c.decide(req({ n: 0, items: [1] }));
    expect(a.decision).toBe("allow");
    expect(a.rules).toEqual(["p_small", "p_items"]);
    expect(a.errors.map((e) => [e.rule, e.code])).toEqual([["p_div", "division_by_zero"]]);
    const d = c.decide(req({ n: 500, items: [0] }));
    expect(plain(d)).toEqual(plain(c.reference(req({ n: 500, items: [0] }))));
    expect(d.decision).toBe("deny");
    expect(d.rules).toEqual([]);
    expect(d.errors.map((e) => e.rule)).toEqual(["p_items"]);
  });

  it("turns a trap into a deny with an internal error, then recovers on a fresh instance", () => {
    // an encoding whose pointers lie far outside memory: the module traps on the first it reads
    expect(c.evaluator.evaluateEncoded({ bytes: new Uint8Array(32).fill(0xff) })).toBe(0);
    const d = c.evaluator.lastDecision();
    expect(d.decision).toBe("deny");
    expect(d.rules).toEqual([]);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatchObject({ code: "internal", rule: "" });
    expect(d.errors[0]!.message).toMatch(/trapped/);
    for (const r of [req({}), req({ m: 0 }), req({ n: 0, items: [3, 0] })]) expect(plain(c.decide(r))).toEqual(plain(c.reference(r)));
    // an unvalidated list far past its bound is refused before it is written (it would run past the
    // input region), as decide refuses it
    const over = req({ items: new Array(100_000).fill(1) });
    expect(plain(c.evaluator.evaluate(over))).toEqual(plain(c.decide(over)));
    expect(c.evaluator.evaluate(over).errors).toEqual([{ rule: null, code: "invalid_request", path: "items", message: "items: list has 100000 elements, more than the 8 allowed" }]);
    // a value of another type is refused as decide refuses it, and one the encoder cannot even read
    // (a getter that throws) is a deny too, never an exception
    expect(c.evaluator.evaluate({ n: 1, m: 3, s: "ok", items: null }).errors).toEqual([{ rule: null, code: "invalid_request", path: "items", message: "items: expected list, got null" }]);
    const unreadable = {
      n: 1,
      m: 3,
      s: "ok",
      get items(): number[] {
        throw new Error("no items");
      },
    };
    expect(c.evaluator.evaluate(unreadable).errors[0]).toMatchObject({ code: "internal", message: expect.stringMatching(/^the request could not be encoded: .*no items/) });
    expect(plain(c.decide(req({})))).toEqual(plain(c.reference(req({}))));
  });

  it("offers encode once / evaluate many for benchmarks", () => {
    const allow = c.evaluator.encode(req({}));
    const deny = c.evaluator.encode(req({ s: "no" }));
    expect(c.evaluator.evaluateEncoded()).toBe(0); // the last encoded request is in memory
    expect(c.evaluator.evaluateEncoded(allow)).toBe(1);
    expect(c.evaluator.evaluateEncoded(allow)).toBe(1);
    expect(plain(c.evaluator.lastDecision())).toEqual(plain(c.reference(req({}))));
    expect(c.evaluator.evaluateEncoded(deny)).toBe(0);
    expect(c.evaluator.lastDecision().rules).toEqual(["f_s"]);
    // a copy of the bytes alone (what a host could keep) evaluates the same
    expect(c.evaluator.evaluateEncoded({ bytes: allow.bytes.slice() })).toBe(1);
    // an encode that fails half-way neither throws nor leaves the last encoding taken as in memory
    const unreadable = { ...req({}), get s(): string { throw new Error("host getter failed"); } };
    expect(c.evaluator.evaluateEncoded(deny)).toBe(0);
    const refused = c.evaluator.encode(unreadable);
    expect(c.evaluator.evaluateEncoded(refused)).toBe(0);
    expect(c.evaluator.lastDecision().errors[0]?.message).toContain("host getter failed");
    expect(c.evaluator.evaluateEncoded(allow)).toBe(1);
    expect(c.evaluator.evaluateEncoded(deny)).toBe(0);
    c.evaluator.encode({ ...req({}), get s(): string { throw new Error("again"); } });
    expect(c.evaluator.evaluateEncoded()).toBe(0); // what memory holds is the refusal: a deny
    expect(c.evaluator.lastDecision().errors[0]?.message).toContain("again");
    expect(c.evaluator.evaluateEncoded(allow)).toBe(1);
    c.evaluator.encode({ ...req({}), get s(): string { throw new Error("again"); } });
    expect(c.evaluator.evaluateEncoded(deny)).toBe(0); // copied back, not taken as already there
    expect(c.evaluator.lastDecision().rules).toEqual(["f_s"]);
    // thousands of kept encodings, across chunks, each still its own request
    const many = Array.from({ length: 3000 }, (_, i) => c.evaluator.encode(req(i % 2 ? {} : { s: "no" })));
    many.forEach((e, i) => expect(c.evaluator.evaluateEncoded(e)).toBe(i % 2));
  });
});

describe("memory bounds", () => {
  it("refuses a schema whose bounds need more than 16 MiB with W0902", async () => {
    const b = new IRBuilder(rec({ docs: listOf(listOf(str(4096), 64), 128) }));
    b.rule("r", "permit", b.comp("exists", b.path("docs"), "d", (x) => x.comp("exists", x.v("d"), "s", (y) => y.call("contains", y.v("s"), y.lit("x")))));
    const out = await generateModule(b.policy());
    expect(out.wasm).toBeUndefined();
    expect(out.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
    expect(out.diagnostics[0]!.message).toMatch(/MiB/);
  });

  it("counts the scratch arena: building lists inside a map over a large list is sized and allowed when small", async () => {
    const b = new IRBuilder(rec({ xs: listOf(str(16), 32) }));
    const mapped = b.comp("map", b.path("xs"), "x", undefined, (x) => b.call("concat_string", x.v("x"), b.lit("!")));
    b.rule("r", "permit", b.call("in_list", b.lit("a!"), mapped));
    const { ir, errorSites } = { ir: b.policy(), errorSites: b.errorSites() };
    const c = await compileIR(ir, errorSites);
    const big = { xs: Array.from({ length: 32 }, (_, i) => (i === 31 ? "a" : "é".repeat(8))) };
    expect(plain(c.decide(big))).toEqual(plain(c.reference(big)));
    expect(c.decide(big).decision).toBe("allow");
  });
});

describe("the optimised (O3) module", () => {
  it("decides the benchmark policy like the interpreter, also over 200,000 decisions amid garbage collections", async () => {
    const { ir, errorSites } = agentPolicy(0);
    const c = await compileIR(ir, errorSites, true);
    expect(validateProfile(c.wasm).ok).toBe(true);
    const mix = agentRequests(300, 3);
    const expected = mix.map((r) => JSON.stringify(plain(c.reference(r))));
    mix.forEach((r, i) => expect(JSON.stringify(plain(c.decide(r)))).toBe(expected[i]));
    // the JS-to-WASM hot path under optimisation, deoptimisation and GC pressure
    let garbage: unknown[] = [];
    let wrong = 0;
    for (let k = 0; k < 200_000; k++) {
      const i = k % mix.length;
      const d = c.evaluator.evaluate(mix[i]!);
      if ((d.decision === "allow") !== expected[i]!.includes('"allow"')) wrong++;
      garbage.push({ k, s: `x${k}` });
      if (garbage.length > 5_000) garbage = [];
    }
    expect(wrong).toBe(0);
  }, 120_000);
});
