// docs/profile.md's sample imports from "writ/runtime" what the page documents: validateProfile,
// REQUIRED_EXPORTS (the default list of required exports, which a caller may extend) and
// formatViolations. The package entry exported validateProfile alone, so the sample failed to load.
// The import here is of the entry "writ/runtime" names in package.json, as a host makes it.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/index.js";
import { formatViolations, REQUIRED_EXPORTS, validateProfile } from "../../runtime/index.js";
import { repositoryRoot } from "../support/transpiled-tree.js";
import { ModuleBuilder, op } from "../support/wasm-builder.js";

const page = readFileSync(join(repositoryRoot, "docs/profile.md"), "utf8");

describe("docs/profile.md's sample", () => {
  it("imports only names the package entry it names exports", async () => {
    const imports = [...page.matchAll(/^import \{([^}]*)\} from "([^"]+)";$/gm)];
    expect(imports.length).toBeGreaterThan(0);
    const pkg = JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { exports: Record<string, string> };
    for (const [, names, specifier] of imports) {
      const target = pkg.exports[specifier!.replace(/^writ/, ".")];
      expect(target, `package.json exports no ${specifier}`).toBeDefined();
      // the entry's source: dist/runtime/index.js is built from runtime/index.ts
      const entry = (await import(join(repositoryRoot, target!.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts")))) as Record<string, unknown>;
      for (const name of names!.split(",").map((n) => n.trim()))
        expect(entry[name], `${specifier} does not export ${name}`).toBeDefined();
    }
    expect(imports.flatMap(([, names]) => names!.split(",").map((n) => n.trim())).sort()).toEqual(["REQUIRED_EXPORTS", "formatViolations", "validateProfile"]);
  });

  it("works as documented: REQUIRED_EXPORTS is the default list, a caller may pass its own, formatViolations renders a line each", () => {
    const b = new ModuleBuilder();
    b.func({ results: ["i32"], body: op.i32Const(1), export: "writ_abi_version", name: "writ_abi_version" });
    b.memory(1, 1);
    b.export("memory", "memory", 0);
    const bytes = b.build();
    expect(REQUIRED_EXPORTS).toEqual(["memory", "writ_abi_version", "writ_input_ptr", "writ_input_size", "writ_evaluate", "writ_result_ptr"]);
    const missing = validateProfile(bytes);
    expect(missing.ok).toBe(false);
    if (missing.ok) return;
    const lines = formatViolations(missing.violations).split("\n");
    expect(lines).toEqual(REQUIRED_EXPORTS.slice(2).map((name) => `required-exports: missing required export \`${name}\``));
    expect(validateProfile(bytes, ["memory", "writ_abi_version"]).ok).toBe(true);
    // the exported default cannot be emptied to let every module through
    expect(Object.isFrozen(REQUIRED_EXPORTS)).toBe(true);
    expect(() => ((REQUIRED_EXPORTS as string[]).length = 0)).toThrow(TypeError);
    expect(validateProfile(bytes).ok).toBe(false);
  });
});

describe("docs/profile.md's stack figures", () => {
  it("give the deepest call chain of the example policies in policies/, as compiled (O3) and at O0", async () => {
    const stated = /the four policies in `policies\/`\s+need at most ([\d,]+) bytes \(([\d,]+) compiled at O0\)/.exec(page);
    expect(stated, "docs/profile.md no longer states the example policies' stack figures in the form this test reads").not.toBeNull();
    const files = readdirSync(join(repositoryRoot, "policies")).filter((f) => f.endsWith(".writ"));
    expect(files).toHaveLength(4);
    const deepest = async (optimize: boolean): Promise<number> => {
      let most = 0;
      for (const file of files) {
        const result = await compilePolicy(readFileSync(join(repositoryRoot, "policies", file), "utf8"), { fileName: file, optimize });
        const checked = result.bundle && validateProfile(result.bundle.module);
        if (!checked?.ok) throw new Error(`${file} did not compile to a valid module`);
        most = Math.max(most, checked.info.stackBytes);
      }
      return most;
    };
    const number = (text: string): number => Number(text.replace(/,/g, ""));
    expect([await deepest(true), await deepest(false)]).toEqual([number(stated![1]!), number(stated![2]!)]);
  }, 120_000);

  it("give the call chain and the stack of a rule comparing values nested as deep as types nest", async () => {
    const depth = /a value\s+(\d+)\s+levels deep compared with `==`\s+makes a chain of (\d+) functions unoptimised, (\d+) optimised/.exec(page);
    const stack = /a value\s+(\d+)\s+levels deep compared with `==`\s+takes ([\d,]+) bytes unoptimised \(([\d,]+) optimised\)/.exec(page);
    expect(depth, "docs/profile.md no longer states the call depth of deeply nested values in the form this test reads").not.toBeNull();
    expect(stack, "docs/profile.md no longer states their stack in the form this test reads").not.toBeNull();
    expect(stack![1]).toBe(depth![1]);
    let t = "int";
    for (let i = 0; i < Number(depth![1]); i++) t = i % 2 ? `list<${t}>(1)` : `map<string(4), ${t}>(1)`;
    const text = `policy "deep" version "1.0.0"\ninput { a: ${t}, b: ${t} }\npermit p when a == b\n`;
    const measured = [];
    for (const optimize of [false, true]) {
      const result = await compilePolicy(text, { optimize });
      const checked = result.bundle && validateProfile(result.bundle.module);
      if (!checked?.ok) throw new Error("the nested comparison did not compile to a valid module");
      measured.push(checked.info.callDepth, checked.info.stackBytes);
    }
    const number = (text: string): number => Number(text.replace(/,/g, ""));
    expect(measured).toEqual([number(depth![2]!), number(stack![2]!), number(depth![3]!), number(stack![3]!)]);
    // one level more is refused by the parser (W0104): no type nests deeper
    let deeper = t;
    deeper = Number(depth![1]) % 2 ? `list<${deeper}>(1)` : `map<string(4), ${deeper}>(1)`;
    const refused = await compilePolicy(`policy "deep" version "1.0.0"\ninput { a: ${deeper} }\npermit p when size(a) == 1\n`, { stopAfter: "parse" });
    expect(refused.diagnostics.map((d) => d.code)).toEqual(["W0104"]);
  }, 120_000);
});
