// `writ eval --allow` as a gate before an action (`writ eval p.writ -i req.json --allow && run`): an
// allow exits 0, a deny 1 (its decision printed all the same, so the reason can be read), as does a
// request that could not be decided; without the flag a deny is a decision made, exit 0. And the
// policy is loaded before the request is read: with both missing, the policy is said.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("eval-allow");
const POLICY = `policy "gate" version "1.0.0"\n\ninput { role: string }\n\npermit admin when role == "admin"\n`;

beforeAll(() => {
  writeFileSync(join(dir, "gate.writ"), POLICY);
  writeFileSync(join(dir, "admin.json"), '{"role": "admin"}');
  writeFileSync(join(dir, "guest.json"), '{"role": "guest"}');
  writeFileSync(join(dir, "wrong.json"), '{"role": 5}');
});

describe("writ eval --allow", () => {
  it("exits 0 on an allow and 1 on a deny, printing the decision either way, on both backends", async () => {
    for (const backend of ["wasm", "interp"]) {
      const allowed = await runWrit(["eval", "gate.writ", "-i", "admin.json", "--allow", "--backend", backend], dir);
      expect(allowed, backend).toMatchObject({ code: 0, err: "" });
      expect(JSON.parse(allowed.out)).toMatchObject({ decision: "allow", rules: ["admin"] });
      for (const request of ["guest.json", "wrong.json"]) {
        const denied = await runWrit(["eval", "gate.writ", "-i", request, "--allow", "--backend", backend], dir);
        expect(denied, `${backend} ${request}`).toMatchObject({ code: 1, err: "writ eval: denied (--allow)" });
        expect(JSON.parse(denied.out)).toMatchObject({ decision: "deny" });
        // without the flag, the same deny is a decision made
        expect((await runWrit(["eval", "gate.writ", "-i", request, "--backend", backend], dir)).code, `${backend} ${request}`).toBe(0);
      }
    }
  }, 120_000);

  it("says a missing policy before a missing request, as the command line names them", async () => {
    const r = await runWrit(["eval", "nowhere.writ", "-i", "missing.json"], dir);
    expect(r).toMatchObject({ code: 1, err: "writ eval: nowhere.writ: no such file" });
  });

  it("takes no value", async () => {
    const r = await runWrit(["eval", "gate.writ", "-i", "admin.json", "--allow=false"], dir);
    expect(r.code).toBe(2);
  });
});
