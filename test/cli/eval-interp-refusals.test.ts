// `writ eval --backend interp` on a `.writ` file refuses what `writ check` refuses: the interpreter
// needs no module, but a policy whose module cannot be planned (its memory, W0902; a rule too large
// for the module's stack, W0507) can never be compiled or deployed, and an author iterating on the
// interpreter must not be given decisions for it.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("eval-interp-refusals");

const POLICIES: Record<string, { source: string; request: string; code: string }> = {
  memory: {
    source: `policy "mem" version "1.0.0"\n\ninput { l: list<string(1048576)>(16) }\n\npermit p when l.exists(s, s.startsWith("a"))\n`,
    request: `{"l": ["abc"]}`,
    code: "W0902",
  },
  locals: {
    source: `policy "loc" version "1.0.0"\n\ninput { c: { ob?: bool } }\n\npermit p when ${Array(490).fill("c.ob").join(" || ")}\n`,
    request: `{"c": {"ob": true}}`,
    code: "W0507",
  },
};

beforeAll(() => {
  for (const [name, p] of Object.entries(POLICIES)) {
    writeFileSync(join(dir, `${name}.writ`), p.source);
    writeFileSync(join(dir, `${name}.json`), p.request);
  }
});

describe("writ eval --backend interp on a policy writ check refuses", () => {
  for (const [name, p] of Object.entries(POLICIES)) {
    it(`refuses it with check's diagnostic (${p.code}) and decides nothing`, async () => {
      const check = await runWrit(["check", `${name}.writ`], dir);
      expect(check.code).toBe(1);
      expect(check.err).toContain(`error[${p.code}]`);
      const evaluated = await runWrit(["eval", `${name}.writ`, "--input", `${name}.json`, "--backend", "interp"], dir);
      expect(evaluated).toMatchObject({ code: 1, out: "" });
      expect(evaluated.err).toContain(`error[${p.code}]`);
    });
  }
});
