// The README's CLI examples decide requests from policies/payments.request.json (one request, as
// `--input` takes it) and policies/payments.requests.jsonl (a list, as `writ bench --requests` takes
// it). They are the requests of payments.writ's own tests, in order, so that they stay requests of
// its schema as the policy changes: a test's request changed or added without them fails here.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const at = (file: string) => join(repositoryRoot, file);

describe("the README's example requests", () => {
  it("are named by the README's CLI examples", () => {
    const readme = readFileSync(at("README.md"), "utf8");
    expect(readme).toContain("npx writ eval build/ --input policies/payments.request.json");
    expect(readme).toContain("npx writ bench policies/payments.writ --requests policies/payments.requests.jsonl");
  });

  it("are payments.writ's test requests, in order", async () => {
    const result = await compilePolicy(readFileSync(at("policies/payments.writ"), "utf8"), { stopAfter: "check" });
    const requests = result.checked!.tests.map((t) => t.request);
    expect(requests.length).toBeGreaterThan(1);
    const lines = readFileSync(at("policies/payments.requests.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(requests);
    expect(JSON.parse(readFileSync(at("policies/payments.request.json"), "utf8"))).toEqual(requests[0]);
    // the README says the list's last request is refused (its currency code too long), the others decided
    expect(result.checked!.tests.map((t) => t.expect.invalid)).toEqual([...requests.slice(1).map(() => false), true]);
  });
});
