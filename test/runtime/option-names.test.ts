// A name an options object holds that its function does not know is refused, not ignored: the
// shared check (runtime/option-names.ts) and loadPolicy, whose refusal is a PolicyLoadError with
// `bad_options`, as for an option of the wrong type. The trust API's entry points are tested in
// test/trust/unknown-options.test.ts, the compiler's in test/compiler.

import { describe, expect, it } from "vitest";
import { unknownOptionProblem } from "../../runtime/option-names.js";
import { loadPolicy, PolicyLoadError, tryLoadPolicy, type LoadOptions } from "../../runtime/policy.js";
import { handBundle } from "./hand-bundle.js";

const KNOWN = ["trustedKeys", "requireAllow", "path"];

describe("the check of an options object's names", () => {
  it("takes the names it knows, and an object without names", () => {
    expect(unknownOptionProblem({}, KNOWN)).toBeNull();
    expect(unknownOptionProblem({ trustedKeys: [], requireAllow: true, path: undefined }, KNOWN)).toBeNull();
  });

  it("names an unknown name and the known one it is closest to, ignoring case", () => {
    expect(unknownOptionProblem({ requireallow: true }, KNOWN)).toBe("unknown option requireallow (did you mean requireAllow?)");
    expect(unknownOptionProblem({ REQUIREALLOW: true }, KNOWN)).toBe("unknown option REQUIREALLOW (did you mean requireAllow?)");
    expect(unknownOptionProblem({ trustedKey: [] }, KNOWN)).toBe("unknown option trustedKey (did you mean trustedKeys?)");
    expect(unknownOptionProblem({ pth: "noble" }, KNOWN)).toBe("unknown option pth (did you mean path?)");
  });

  it("lists the names there are when none is close, and counts the other unknown names", () => {
    expect(unknownOptionProblem({ verbose: true }, KNOWN)).toBe("unknown option verbose (the options are trustedKeys, requireAllow, path)");
    expect(unknownOptionProblem({ a: 1, trustedKeys: [], b: 2, c: 3 }, KNOWN)).toBe("unknown option a (the options are trustedKeys, requireAllow, path), and 2 others not known either");
    expect(unknownOptionProblem({ a: 1, b: 2 }, KNOWN)).toMatch(/, and 1 other not known either$/);
    expect(unknownOptionProblem({ a: 1 }, [])).toBe("unknown option a (there are no options)");
  });

  it("shows a name as names from outside are shown: escaped, on one line, and cut", () => {
    const forged = "x\n  artifact verified\u202e";
    const shown = unknownOptionProblem({ [forged]: 1 }, KNOWN)!;
    expect(shown).not.toMatch(/[\n\u202e]/);
    expect(shown).toContain(String.raw`"x\n  artifact verified\u202e"`);
    const long = unknownOptionProblem({ ["k".repeat(1_000_000)]: 1 }, KNOWN)!;
    expect(long.length).toBeLessThan(400);
    expect(long).toContain("…");
  });

  it("looks at the object's own enumerable names only: what a prototype holds, or a name hidden from enumeration, is not the host's", () => {
    expect(unknownOptionProblem(Object.create({ requireallow: true }) as object, KNOWN)).toBeNull();
    expect(unknownOptionProblem(Object.defineProperty({}, "requireallow", { value: true, enumerable: false }), KNOWN)).toBeNull();
    expect(unknownOptionProblem({ [Symbol("requireAllow")]: true }, KNOWN)).toBeNull();
  });

  it("reads no option's value (a getter is called once, where the option is used), and says so when the names cannot be listed", () => {
    let reads = 0;
    const options = Object.defineProperty({}, "requireAllow", { enumerable: true, get: () => ++reads });
    expect(unknownOptionProblem(options, KNOWN)).toBeNull();
    expect(reads).toBe(0);
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error("no names"); } });
    expect(unknownOptionProblem(hostile, KNOWN)).toBe("reading the options' names threw: no names");
  });
});

function loadRefusal(options: unknown): PolicyLoadError {
  try {
    loadPolicy(handBundle(), options as LoadOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyLoadError);
    return e as PolicyLoadError;
  }
  throw new Error("the bundle loaded");
}

describe("loadPolicy's options", () => {
  it("refuse a name LoadOptions does not have with bad_options, before the bundle is read", () => {
    // without the check `allowunsigned` was left out: the bundle was refused as `unsigned`, the typo unsaid
    const e = loadRefusal({ allowunsigned: true });
    expect(e.code).toBe("bad_options");
    expect(e.message).toBe("unknown option allowunsigned (did you mean allowUnsigned?)");
    expect(loadRefusal({ allowUnsigned: true, trustedkeys: [] })).toMatchObject({ code: "bad_options", message: "unknown option trustedkeys (did you mean trustedKeys?)" });
    expect(tryLoadPolicy(handBundle(), { allowUnsigned: true, verbose: true } as LoadOptions)).toMatchObject({
      ok: false,
      error: { code: "bad_options", message: "unknown option verbose (the options are trustedKeys, allowUnsigned, path)" },
    });
  });

  it("take the names it has, and ignore what a prototype holds", () => {
    expect(loadPolicy(handBundle(), { allowUnsigned: true, path: "noble" }).decide({ n: 1 }).decision).toBe("deny");
    const inherited = Object.assign(Object.create({ allowunsigned: true }) as object, { allowUnsigned: true }) as LoadOptions;
    expect(tryLoadPolicy(handBundle(), inherited).ok).toBe(true);
  });
});
