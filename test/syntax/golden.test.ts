// Golden files for syntax errors: each `errors/*.writ` is parsed and its rendered diagnostics are
// compared with `errors/*.expected`. The expected files are the specification of what users see;
// regenerate them with `UPDATE_GOLDEN=1 npx vitest run test/syntax/golden.test.ts` and review the diff.

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../compiler/diagnostics.js";
import { parsePolicy } from "../../compiler/syntax/index.js";

const dir = new URL("./errors/", import.meta.url);
const update = process.env["UPDATE_GOLDEN"] === "1";

describe("syntax error golden files", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".writ")).sort();

  it("has golden files", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const f of files) {
    it(f, () => {
      const text = readFileSync(new URL(f, dir), "utf8");
      const name = `test/syntax/errors/${f}`;
      const { diagnostics } = parsePolicy({ name, text });
      expect(diagnostics.length, "a golden error file must have errors").toBeGreaterThan(0);
      const rendered = renderDiagnostics(diagnostics, { name, text }) + "\n";
      const expectedFile = new URL(f.replace(/\.writ$/, ".expected"), dir);
      if (update || !existsSync(expectedFile)) writeFileSync(expectedFile, rendered);
      expect(rendered).toBe(readFileSync(expectedFile, "utf8"));
    });
  }
});
