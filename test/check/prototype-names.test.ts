// Names a policy gives that JavaScript objects inherit (`constructor`, `toString`, `valueOf`,
// `hasOwnProperty`, `__proto__`): as functions and types they are unknown like any other name, with
// a message that is text.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const INHERITED = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"];

const messages = async (text: string) =>
  (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => [d.code, typeof d.message === "string" ? d.message : typeof d.message]);

describe("names objects inherit", () => {
  it.each(INHERITED)("are unknown functions, called or as methods: %s", async (name) => {
    const text = `policy "p" version "1"\ninput { a: int }\npermit r when ${name}(a) == 1 || a.${name}() == 1\n`;
    expect(await messages(text)).toEqual([
      ["W0309", `unknown function \`${name}\``],
      ["W0309", `unknown function \`${name}\``],
    ]);
  });

  it.each(INHERITED)("are unknown types: %s", async (name) => {
    const text = `policy "p" version "1"\ninput { a: int, t: ${name} }\npermit r when a == 1\n`;
    expect(await messages(text)).toEqual([["W0301", `unknown type \`${name}\``]]);
  });

  it("leave the functions and types outside the subset named as such", async () => {
    const text = `policy "p" version "1"\ninput { a: int, d: double }\npermit r when matches(a)\n`;
    expect((await messages(text)).map(([code]) => code)).toEqual(["W0401", "W0401"]);
  });
});

