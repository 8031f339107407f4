// The evaluator's lower-level calls (encode, evaluate, evaluateEncoded, lastDecision) keep to what
// memory really holds: evaluateEncoded() without an encoding evaluates only what encode() or
// evaluateEncoded(e) wrote whole, and no write that a getter's call interrupted counts; a request
// written while a getter of it called back into the same evaluator is refused; a trap is reported,
// not read back as a clean deny from a fresh instance; a host's encoding is read once, by what its
// bytes are, and one longer than the input region is refused before it can overwrite what the
// module keeps between decisions, as is a request whose list is longer than its bound, handed to
// evaluate or encode unvalidated; one that is not a Uint8Array, or shorter than the request record,
// is refused rather than leave the module deciding what an earlier request left in memory; and an
// encoding is copied at every call, its verdict its bytes' whatever came before (an issued one's
// bytes cannot be changed). Each of these had given another request's allow, or an allow no request
// was given.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { LoadedPolicy } from "../../runtime/policy.js";
import type { Decision } from "../../runtime/decision.js";
import { createWasmEvaluator, type EncodedRequest, type WasmEvaluator } from "../../runtime/wasm/evaluator.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

async function load(source: string): Promise<LoadedPolicy> {
  const r = await compilePolicy(source, { optimize: false });
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return loadPolicy(r.bundle, { allowUnsigned: true });
}

let admin: LoadedPolicy;
let small: LoadedPolicy;
let indexed: LoadedPolicy;
beforeAll(async () => {
  admin = await load(`policy "p" version "1"\ninput { user: string(16), n: int }\npermit admin when user == "admin" && n < 5\n`);
  // an all-zero input region reads as n = 0 and no tags: an allow
  small = await load(`policy "s" version "1"\ninput { n: int, tags: list<string(16)>(4) }\npermit small when n < 5 && !("blocked" in tags)\n`);
  indexed = await load(`policy "i" version "1"\ninput { user: string(16), tags: list<string(16)>(4) }\nforbid blocked when "blocked" in tags\nforbid banned when "banned" in tags\npermit anyone when user != ""\n`);
}, 120_000);

describe("the evaluator's state", () => {
  it("evaluateEncoded() without an encoding denies when memory holds none: a fresh instance, a decide, a refused one", () => {
    const fresh = small.evaluator;
    expect(fresh.evaluateEncoded()).toBe(0);
    expect(fresh.lastDecision().errors[0]?.message).toMatch(/there is none in memory/);
    const ev = admin.evaluator;
    expect(admin.decide({ user: "admin", n: 1 }).decision).toBe("allow");
    // the fast path wrote `admin` before it met the string n, and n = 1 was left by the last request
    expect(admin.decide({ user: "admin", n: "x" }).decision).toBe("deny");
    expect(ev.evaluateEncoded()).toBe(0);
    expect(admin.decide({ user: "root", n: 99, x: 1 }).errors[0]?.message).toMatch(/unknown field/);
    expect(ev.lastDecision().errors[0]?.message).toMatch(/unknown field/); // not the last evaluation's allow
  });

  it("refuses a request written while a getter of it called back into the same evaluator", () => {
    const ev = admin.evaluator;
    for (const inner of [() => ev.encode({ user: "admin", n: 1 }), () => admin.decide({ user: "admin", n: 1 }), () => ev.evaluate({ user: "admin", n: 1 })]) {
      const bob = () => ({ user: "bob", get n(): number { inner(); return 1; } });
      expect(ev.evaluate(bob()).errors[0]?.message).toMatch(/a getter of it called back into this policy's evaluator/);
      const encoded = ev.encode(bob());
      expect(ev.evaluateEncoded(encoded)).toBe(0);
      expect(ev.evaluateEncoded()).toBe(0);
      expect(admin.decide(bob()).decision).toBe("deny");
    }
  });

  it("names no encoding as the one in memory after a request whose getter encoded or evaluated one went on over it", async () => {
    // the getter's request (B: denied by `guest`) is written whole, then the outer request's roles
    // over B's: memory holds B's tool and the outer roles, which `reader` allows
    const policy = await load(`policy "g" version "1"\ninput { tool: string(8), roles: list<string(8)>(4) }\nforbid guest when "guest" in roles\npermit reader when tool == "read" && "admin" in roles\n`);
    const B = { tool: "read", roles: ["admin", "guest"] };
    const guestDeny = { decision: "deny", rules: ["guest"], errors: [] };
    for (const portable of [false, true]) {
      const ev = createWasmEvaluator(new WebAssembly.Module(policy.module as Uint8Array<ArrayBuffer>), policy.manifest, { portable });
      const kept = ev.encode(B);
      const inners: [string, () => EncodedRequest][] = [
        ["encode", () => ev.encode(B)],
        ["evaluateEncoded", () => (ev.evaluateEncoded(kept), kept)],
      ];
      const outers: [string, (request: unknown) => Decision][] = [
        ["evaluate", (r) => ev.evaluate(r)],
        ["decide", (r) => ev.decide(r)],
      ];
      for (const [innerName, inner] of inners) {
        for (const [outerName, outer] of outers) {
          const what = `${outerName} interrupted by ${innerName}${portable ? " (portable)" : ""}`;
          let encB: EncodedRequest | undefined;
          const d = outer({ tool: "write", get roles(): string[] { encB = inner(); return ["admin"]; } });
          expect(d.decision, what).toBe("deny");
          expect(ev.evaluateEncoded(encB!), what).toBe(0);
          expect(ev.lastDecision(), what).toEqual(guestDeny);
          // what the getter wrote was overwritten (evaluate) or decided over (decide): none is in memory
          const again = outer({ tool: "write", get roles(): string[] { encB = inner(); return ["admin"]; } });
          expect(again.decision, what).toBe("deny");
          expect(ev.evaluateEncoded(), what).toBe(0);
          expect(ev.lastDecision().decision, what).toBe("deny");
        }
      }
    }
  });

  it("reports a trap in lastDecision, and evaluates nothing of the fresh instance afterwards", () => {
    const ev = small.evaluator;
    const forged = new Uint8Array(32).fill(0xff); // pointers far outside memory
    expect(ev.evaluateEncoded({ bytes: forged })).toBe(0);
    expect(ev.lastDecision().errors[0]).toMatchObject({ code: "internal", message: expect.stringMatching(/trapped/) });
    expect(ev.evaluateEncoded()).toBe(0);
    expect(small.decide({ n: 100, tags: ["blocked"] }).decision).toBe("deny");
  });

  it("says a request the encoder could not read was not encoded, not that the module trapped; denies and replaces the instance", async () => {
    const records = await load(`policy "r" version "1"\ninput { a: { n: int }, b: { s: string(8) } }\npermit x when a.n == 1 && b.s == "ok"\n`);
    const ev = records.evaluator;
    // counts the instances made: the one that holds half a request is replaced
    const Original = WebAssembly.Instance;
    let made = 0;
    WebAssembly.Instance = class extends Original {
      constructor(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
        super(module, imports);
        made++;
      }
    };
    // evaluate takes a validated request, and its encoder fails reading `b`
    const unreadable = {
      a: { n: 1 },
      get b(): unknown {
        throw new Error("no b here");
      },
    };
    let d: Decision;
    try {
      d = ev.evaluate(unreadable);
    } finally {
      WebAssembly.Instance = Original;
    }
    expect(d.decision).toBe("deny");
    expect(d.rules).toEqual([]);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatchObject({ rule: "", code: "internal", at: -1 });
    expect(d.errors[0]!.message).toMatch(/^the request could not be encoded: .*no b here/);
    expect(d.errors[0]!.message).not.toMatch(/trapped/);
    expect(ev.lastDecision()).toEqual(d);
    expect(made).toBe(1);
    // nothing whole is in memory, and the fresh instance decides
    expect(ev.evaluateEncoded()).toBe(0);
    expect(ev.evaluate({ a: { n: 1 }, b: { s: "ok" } }).decision).toBe("allow");
    // encode says the same of the same request, in its refusal
    const refused = ev.encode(unreadable) as { refusal?: Decision };
    expect(refused.refusal?.errors[0]?.message).toBe(d.errors[0]!.message);
  });

  it("refuses an encoding longer than the input region before it overwrites the module's dispatch state", () => {
    const ev = indexed.evaluator;
    const genuine = ev.encode({ user: "u", tags: [] });
    const forged = new Int32Array(4096).fill(2); // 2: the number the next decision's visits are marked with
    new Uint8Array(forged.buffer).set(genuine.bytes);
    expect(ev.evaluateEncoded({ bytes: new Uint8Array(forged.buffer) })).toBe(0);
    expect(ev.lastDecision().errors[0]?.message).toMatch(/more than this policy's input region/);
    expect(indexed.decide({ user: "u", tags: ["blocked"] })).toMatchObject({ decision: "deny", rules: ["blocked"] });
  });

  it("reads a host's encoding once, by what its bytes are, so that no copy runs past the input region", () => {
    // 2: the number of the decision after the forged one, with which its visits are marked
    const module = new WebAssembly.Module(indexed.module as Uint8Array<ArrayBuffer>);
    const genuine = indexed.evaluator.encode({ user: "u", tags: [] }).bytes;
    const forged = new Int32Array(4096).fill(2);
    new Uint8Array(forged.buffer).set(genuine);
    const long = () => new Uint8Array(forged.buffer);
    const cases: [string, () => unknown, RegExp | undefined][] = [
      // a getter answering a short array to the length check and the long one to the copy
      ["a getter answering differently", () => { let reads = 0; return { get bytes() { return reads++ === 0 ? genuine : long(); } }; }, undefined],
      ["an own length", () => ({ bytes: Object.defineProperty(long(), "length", { value: genuine.length }) }), /16384 bytes, more than this policy's input region/],
      ["words of its own, with an own length", () => ({ words: Object.defineProperty(new Int32Array(forged), "length", { value: genuine.length / 4 }), bytes: long() }), /16384 bytes, more than this policy's input region/],
    ];
    for (const portable of [false, true]) {
      for (const [what, encoding, refused] of cases) {
        const ev = createWasmEvaluator(module, indexed.manifest, { portable });
        ev.evaluateEncoded(encoding() as EncodedRequest); // the getter's first answer is an allowed request
        if (refused) expect(ev.lastDecision().errors[0]?.message, what).toMatch(refused);
        expect(ev.decide({ user: "u", tags: ["blocked"] }), what).toEqual({ decision: "deny", rules: ["blocked"], errors: [] });
      }
    }
  });

  it("denies an explicit undefined (a cache's miss) rather than evaluate the encoding in memory, which is the request before's", () => {
    const ev = indexed.evaluator;
    const cache = new Map<string, EncodedRequest>([["A", ev.encode({ user: "u", tags: [] })]]);
    expect(ev.evaluateEncoded(cache.get("A")!)).toBe(1);
    // B was never encoded: the host passes what its look-up gave
    expect(ev.evaluateEncoded(cache.get("B") as EncodedRequest)).toBe(0);
    expect(ev.lastDecision()).toMatchObject({ decision: "deny", rules: [], errors: [{ code: "internal", message: "the encoding is undefined, not an object with `bytes`" }] });
    // left out, the argument still means the encoding in memory, which is A's
    expect(ev.evaluateEncoded()).toBe(1);
    expect(ev.lastDecision()).toMatchObject({ decision: "allow", rules: ["anyone"] });
  });

  it("denies an encoding whose bytes are not a Uint8Array, saying so, and keeps the instance and what it holds", () => {
    const src = indexed.evaluator;
    const denied = src.encode({ user: "u", tags: ["blocked"] }).bytes.slice();
    const cases: [string, unknown, RegExp][] = [
      ["an ArrayBuffer", { bytes: denied.buffer }, /`bytes` is an ArrayBuffer .*not a Uint8Array/],
      ["undefined", { bytes: undefined }, /`bytes` is undefined, not a Uint8Array/],
      ["an Int32Array", { bytes: new Int32Array(denied.buffer) }, /`bytes` is an Int32Array, not a Uint8Array/],
      ["an array of numbers", { bytes: Array.from(denied) }, /`bytes` is an object that is not a typed array/],
      ["a getter that throws", { get bytes() { throw new Error("no bytes here"); } }, /could not be read: no bytes here/],
      ["null", null, /the encoding is null, not an object/],
      // given, not left out: a host's look-up that missed, not "the encoding in memory"
      ["undefined itself", undefined, /the encoding is undefined, not an object/],
      ["a number", 7, /the encoding is a number, not an object/],
    ];
    for (const [what, encoding, message] of cases) {
      const ev = createWasmEvaluator(new WebAssembly.Module(indexed.module as Uint8Array<ArrayBuffer>), indexed.manifest);
      const allowed = ev.encode({ user: "u", tags: [] });
      expect(ev.evaluateEncoded(allowed), what).toBe(1);
      expect(ev.evaluateEncoded(encoding as EncodedRequest), what).toBe(0);
      expect(ev.lastDecision().errors[0], what).toMatchObject({ code: "internal", message: expect.stringMatching(message) });
      // nothing was written, and the module was not blamed: the instance and its request stay
      expect(ev.evaluateEncoded(), what).toBe(1);
    }
  });

  it("denies an encoding too short or not of whole words, and decides a short one on its own bytes, never on what an earlier request left", async () => {
    const policy = await load(`policy "r" version "1"\ninput { roles: list<string(8)>(4) }\npermit reader when "reader" in roles\n`);
    const root = (policy.manifest.layout as InputLayout).root.size;
    const ev = policy.evaluator;
    const refused = ev.encode({ roles: ["x", "x", "x", "x", "x"] }) as EncodedRequest & { refusal?: unknown };
    expect(refused.refusal).toBeDefined();
    const denied = ev.encode({ roles: ["x", "y"] }).bytes.slice();
    const cases: [string, Uint8Array, RegExp | undefined][] = [
      ["a refused encoding's bytes, without its refusal", refused.bytes, /0 bytes, fewer than the 4 .*refused encoding's bytes are empty/],
      ["fewer bytes than the request record", denied.slice(0, root - 2), /2 bytes, fewer than the 4 of this policy.s request record/],
      ["bytes that are not whole words", denied.slice(0, root + 2), /6 bytes, not a whole number of 4-byte words/],
      // the record alone: its list pointer reaches past its end, where the allowed request's list was
      ["the record of a denied request without its list", denied.slice(0, root), undefined],
    ];
    for (const [what, bytes, message] of cases) {
      expect(policy.decide({ roles: ["reader"] }).decision, what).toBe("allow");
      expect(ev.evaluateEncoded({ bytes }), what).toBe(0);
      if (message) expect(ev.lastDecision().errors[0]?.message, what).toMatch(message);
      else expect(ev.lastDecision(), what).toEqual({ decision: "deny", rules: [], errors: [] });
    }
  });

  it("refuses a request beyond its bounds in evaluate and encode, naming the list and its bound, before it overwrites the module's dispatch state", async () => {
    const source = `policy "v" version "1"\ninput { roles: list<string(16)>(4), nums: list<int>(2) }\nforbid root_blocked when "root" in roles\nforbid admin_blocked when "admin" in roles\npermit anyone when size(nums) >= 0\n`;
    const policy = await load(source);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(policy.module as Uint8Array<ArrayBuffer>), {}).exports as Record<string, () => number>;
    // The module marks the rules an indexed forbid dispatch visits with the number of the decision,
    // in words after the result region. `nums` is written on the heap after `roles` (a count and one
    // id): enough ints, each of two words equal to the number of a coming decision, reach those words
    // and mark both forbids as visited already, and `admin` is then allowed by `anyone`.
    const visits = exports.writ_result_ptr!() + 12 + 16 * policy.manifest.rules.length;
    const firstInt = exports.writ_input_ptr!() + (policy.manifest.layout as InputLayout).root.size + 8 + 4;
    const count = Math.ceil((visits + 8 - firstInt) / 8) + 1;
    const marked = (decision: number) => Array.from({ length: count }, () => decision + decision * 2 ** 32);
    const refused = {
      decision: "deny",
      rules: [],
      errors: [{ rule: null, code: "invalid_request", path: "nums", message: `nums: list has ${count} elements, more than the 2 allowed` }],
    };
    const admin = { roles: ["admin"], nums: [] };
    const blocked = { decision: "deny", rules: ["admin_blocked"], errors: [] };
    const evaluators: [string, WasmEvaluator][] = [
      ["generated", policy.evaluator],
      ["portable", createWasmEvaluator(new WebAssembly.Module(policy.module as Uint8Array<ArrayBuffer>), policy.manifest, { portable: true })],
    ];
    for (const [name, ev] of evaluators) {
      expect(ev.decide(admin), name).toEqual(blocked); // decision 1
      expect(ev.evaluate({ roles: ["root"], nums: marked(3) }), name).toEqual(refused); // decision 2, had denied by root_blocked
      expect(ev.decide(admin), name).toEqual(blocked); // decision 3
      const encoded = ev.encode({ roles: ["x"], nums: marked(4) });
      expect(ev.decide(admin), name).toEqual(blocked); // decision 4
      expect(ev.evaluateEncoded(encoded), name).toBe(0);
      expect(ev.lastDecision(), name).toEqual(refused);
      expect(ev.decide(admin), name).toEqual(blocked);
    }
  });

  it("evaluates an encoding as its bytes are at the call, whatever was evaluated before, and an issued one as encode() wrote it", () => {
    const blocked = { decision: "deny", rules: ["blocked"], errors: [] };
    const anyone = { decision: "allow", rules: ["anyone"], errors: [] };
    for (const portable of [false, true]) {
      const ev = createWasmEvaluator(new WebAssembly.Module(indexed.module as Uint8Array<ArrayBuffer>), indexed.manifest, { portable });
      const other = ev.encode({ user: "u", tags: ["other"] }).bytes;
      const encoded = ev.encode({ user: "u", tags: ["blocked"] });
      const written = encoded.bytes;
      expect(other.length).toBe(written.length);
      // an issued encoding's bytes are a copy at each read: changing one changes no encoding
      const view = encoded.bytes;
      view.set(other);
      expect(encoded.bytes).not.toBe(view);
      expect(encoded.bytes).toEqual(written);
      expect(ev.evaluateEncoded(encoded)).toBe(0); // the region holds it already
      expect(ev.lastDecision()).toEqual(blocked);
      expect(ev.decide({ user: "u", tags: [] })).toEqual(anyone);
      expect(ev.evaluateEncoded(encoded)).toBe(0);
      expect(ev.lastDecision()).toEqual(blocked);
      // a host's bytes are read at each call, even by the encoding evaluated last
      const host = { bytes: written.slice() };
      expect(ev.evaluateEncoded(host)).toBe(0);
      host.bytes.set(other);
      expect(ev.evaluateEncoded(host)).toBe(1);
      expect(ev.lastDecision()).toEqual(anyone);
      expect(ev.decide({ user: "u", tags: ["blocked"] })).toEqual(blocked);
      expect(ev.evaluateEncoded(host)).toBe(1);
      // and without an argument, what the last call copied is what is in memory
      expect(ev.evaluateEncoded()).toBe(1);
    }
  });

  it("takes another evaluator's encoding by what it holds: the same policy's as its own, another's longer one refused, a refusal as a deny", async () => {
    const wide = await load(`policy "w" version "1"\ninput { tags: list<string(16)>(12) }\nforbid blocked when "blocked" in tags\n`);
    const module = new WebAssembly.Module(indexed.module as Uint8Array<ArrayBuffer>);
    for (const portable of [false, true]) {
      const [ev, other] = [0, 1].map(() => createWasmEvaluator(module, indexed.manifest, { portable }));
      const blocked = other!.encode({ user: "u", tags: ["blocked"] });
      const refused = other!.encode({ user: "u", tags: ["a", "b", "c", "d", "e"] });
      expect(ev!.decide({ user: "u", tags: [] }).decision).toBe("allow");
      expect(ev!.evaluateEncoded(blocked)).toBe(0);
      expect(ev!.lastDecision()).toEqual({ decision: "deny", rules: ["blocked"], errors: [] });
      expect(ev!.evaluateEncoded(refused)).toBe(0);
      expect(ev!.lastDecision().errors[0]?.message).toMatch(/carries a refusal/);
      const longer = wide.evaluator.encode({ tags: Array.from({ length: 12 }, (_, i) => `t${i}`) });
      expect(ev!.evaluateEncoded(longer)).toBe(0);
      expect(ev!.lastDecision().errors[0]?.message).toMatch(/more than this policy's input region/);
      expect(ev!.decide({ user: "u", tags: ["blocked"] })).toEqual({ decision: "deny", rules: ["blocked"], errors: [] });
    }
  });

  it("hands out frozen encodings: a refusal cannot be taken out of one", () => {
    const ev = admin.evaluator;
    const refused = ev.encode({ user: "admin", get n(): number { throw new Error("host getter failed"); } });
    expect(Object.isFrozen(refused)).toBe(true);
    expect(() => delete (refused as { refusal?: unknown }).refusal).toThrow(TypeError);
    expect(ev.evaluateEncoded(refused)).toBe(0);
    expect(Object.isFrozen(ev.encode({ user: "admin", n: 1 }))).toBe(true);
  });

  it("finds no whole encoding in memory while a request is being written: a getter's evaluateEncoded() denies, never a mix of two requests", async () => {
    // the last encoding (a = "q", b = "y") is denied; the outer request (a = "x", b = "z") too; the
    // mix of the outer's a over the last encoding's b is what `ok` allows
    const policy = await load(`policy "m" version "1"\ninput { a: string(16), b: string(16), c: int }\npermit ok when a == "x" && b == "y"\n`);
    for (const portable of [false, true]) {
      const ev = createWasmEvaluator(new WebAssembly.Module(policy.module as Uint8Array<ArrayBuffer>), policy.manifest, { portable });
      const outers: [string, (request: unknown) => Decision][] = [
        ["evaluate", (r) => ev.evaluate(r)],
        ["decide", (r) => ev.decide(r)],
      ];
      for (const [outerName, outer] of outers) {
        const what = `${outerName}${portable ? " (portable)" : ""}`;
        expect(ev.evaluateEncoded(ev.encode({ a: "q", b: "y", c: 1 })), what).toBe(0);
        let inner: number | undefined;
        let innerDecision: Decision | undefined;
        const d = outer({
          a: "x",
          get b(): string {
            if (inner === undefined) {
              inner = ev.evaluateEncoded();
              innerDecision = ev.lastDecision();
            }
            return "z";
          },
          c: 1,
        });
        expect(d.decision, what).toBe("deny");
        expect(inner, what).toBe(0);
        expect(innerDecision!.decision, what).toBe("deny");
        expect(innerDecision!.errors[0]?.message, what).toMatch(/there is none in memory/);
      }
    }
  });

  it("never takes a getter's calls for none, however many it makes: the count of writes does not come back to a decide's", async () => {
    // E (l = ["k"]) is allowed; the outer request (l = ["j"]) is not. Its getter writes E over the
    // outer's list, then makes (the most of them as the count stands for) 2^30 calls in all, as
    // many as a count wrapping at 2^30 takes to come back to the decide's: it must still see them
    const policy = await load(`policy "w" version "1"\ninput { l: list<string(8)>(4), a: string(16), b: string(16) }\npermit ok when a == "x" && b == "y" && "k" in l\n`);
    const outerRequest = { l: ["j"], a: "x", b: "y" };
    for (const outerName of ["decide", "evaluate"] as const) {
      const writeCount = new Float64Array(1);
      const ev = createWasmEvaluator(new WebAssembly.Module(policy.module as Uint8Array<ArrayBuffer>), policy.manifest, { writeCount });
      const E = ev.encode({ l: ["k"], a: "x", b: "y" });
      expect(ev.evaluateEncoded(E)).toBe(1);
      let calls = 0;
      const d = ev[outerName]({
        l: ["j"],
        a: "x",
        get b(): string {
          if (calls++ === 0) {
            writeCount[0] += 2 ** 30 - 3; // the calls the getter stands for
            ev.evaluateEncoded(E); // E written over what the outer request wrote so far
            ev.encode(5); // refused: writes nothing
            ev.evaluateEncoded(); // (the last of 2^30)
          }
          return "y";
        },
      });
      expect(d.decision, outerName).toBe("deny");
      expect(ev.lastDecision().decision, outerName).toBe("deny");
      if (outerName === "evaluate") expect(d.errors[0]?.message).toMatch(/a getter of it called back into this policy's evaluator/);
      else expect(d).toEqual({ decision: "deny", rules: [], errors: [] }); // read again, the general way
      expect(ev.decide(outerRequest), outerName).toEqual({ decision: "deny", rules: [], errors: [] });
    }
  });

  it("hands out frozen decisions: changing a refusal, a fault or a result with errors changes neither lastDecision() nor what an encoding evaluates as", async () => {
    const deeplyFrozen = (d: Decision): boolean => Object.isFrozen(d) && Object.isFrozen(d.rules) && Object.isFrozen(d.errors) && d.errors.every((e) => Object.isFrozen(e));
    const ev = admin.evaluator;
    const bad = ev.encode({ user: 5, n: 1 });
    const refusal = (bad as { refusal?: Decision }).refusal!;
    const refused = { decision: "deny", rules: [], errors: [{ rule: null, code: "invalid_request", message: "user: expected string, got the number 5", path: "user" }] };
    expect(refusal).toEqual(refused);
    expect(deeplyFrozen(refusal)).toBe(true);
    expect(() => ((refusal as { decision: string }).decision = "allow")).toThrow(TypeError);
    expect(() => ((refusal.errors as unknown[]).length = 0)).toThrow(TypeError);
    expect(ev.evaluateEncoded(bad)).toBe(0);
    expect(ev.lastDecision()).toEqual(refused);
    // the refusal the region holds after a refused encode, evaluated without an argument
    ev.encode({ user: "admin", n: "x" });
    expect(ev.evaluateEncoded()).toBe(0);
    expect(deeplyFrozen(ev.lastDecision())).toBe(true);
    // what evaluate and decide give without evaluating: a refusal, the validator's deny, a fault
    const given: [string, Decision][] = [
      ["evaluate's refusal", ev.evaluate({ user: 5, n: 1 })],
      ["decide's invalid request", admin.decide({ user: 5, n: 1 })],
      ["decide's unknown field", admin.decide({ user: "admin", n: 1, x: 1 })],
      ["an unreadable request", ev.evaluate({ user: "admin", get n(): number { throw new Error("no n"); } })],
      ["a host encoding that is none", (ev.evaluateEncoded({ bytes: new Uint8Array(3) }), ev.lastDecision())],
    ];
    for (const [what, d] of given) expect(deeplyFrozen(d), what).toBe(true);
    // a result with rule errors, decoded anew at each call
    const dividing = await load(`policy "d" version "1"\ninput { n: int }\npermit even when 10 / n == 5\n`);
    const withErrors = dividing.decide({ n: 0 });
    expect(withErrors.errors[0]?.code).toBe("division_by_zero");
    expect(deeplyFrozen(withErrors)).toBe(true);
    expect(deeplyFrozen(dividing.evaluator.lastDecision())).toBe(true);
  });
});
