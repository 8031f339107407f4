// An artifact verifies in another language with nothing from Writ: a Python process (the
// `cryptography` package) follows docs/artifacts.md — signature, key id, validity, module digests,
// request digest — and refuses a changed request or a changed payload.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair, publicJwk } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const script = new URL("./verify_artifact.py", import.meta.url).pathname;

function python(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync("python3", [script, ...args], { encoding: "utf8" }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: err.stdout + err.stderr };
  }
}

describe("verification in Python", () => {
  it("accepts a Writ artifact and reads the same statement; refuses a changed request or payload", () => {
    const dir = tempDir("py");
    const key = generateKeyPair();
    const policy = fakePolicy();
    const request = { principal: { role: "admin", "name é ü": "Zoë \u2028 \"quoted\"" }, amount: 10, tags: ["a", "b"], nested: { z: null, a: true } };
    const { artifact, statement } = authorize(fakePolicy({ decide: () => ({ decision: "allow", rules: ["admin"], errors: [] }) }), request, {
      signer: createSigner(key),
    });
    writeFileSync(join(dir, "a.jws"), artifact);
    writeFileSync(join(dir, "k.jwk"), JSON.stringify(publicJwk(key.publicKey)));
    writeFileSync(join(dir, "r.json"), JSON.stringify(request));
    writeFileSync(join(dir, "m.wasm"), policy.module);
    const ok = python([join(dir, "a.jws"), join(dir, "k.jwk"), join(dir, "r.json"), join(dir, "m.wasm")]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual(JSON.parse(JSON.stringify(statement)));

    writeFileSync(join(dir, "r2.json"), JSON.stringify(ADMIN_OK));
    expect(python([join(dir, "a.jws"), join(dir, "k.jwk"), join(dir, "r2.json"), join(dir, "m.wasm")])).toMatchObject({ code: 1, out: expect.stringMatching(/request mismatch/) });

    const [h, p, s] = artifact.split(".") as [string, string, string];
    const changed = Buffer.from(Buffer.from(p, "base64url").toString().replace('"allow"', '"deny"')).toString("base64url");
    writeFileSync(join(dir, "b.jws"), `${h}.${changed}.${s}`);
    expect(python([join(dir, "b.jws"), join(dir, "k.jwk"), join(dir, "r.json"), join(dir, "m.wasm")])).toMatchObject({ code: 1, out: expect.stringMatching(/bad signature/) });
  });
});
