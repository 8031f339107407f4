// A directory given to the library with a `..` after a symbolic link to a directory (`link/../out`)
// is the directory the system opens by that path, beside the link's target, for every file the
// function reads or writes in it (systemPath, runtime/given-path.ts). join() takes such a `..` away
// by text while the system creates and opens the directory through the link: writeBundle wrote its
// files beside the link, and readBundle of the same path looked beside the link's target.

import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { systemPath } from "../../runtime/given-path.js";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeBundleSignature } from "../../runtime/trust/bundle-signature-write.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { loadPrivateKeyFile, writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { fakeBundle } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

/** A fresh directory holding `link` → `far/target`, and `dotted(name)`: `<dir>/link/../<name>`, written out (not join()ed). */
function linked(): { s: string; dotted: (name: string) => string } {
  const s = realpathSync(tempDir("dotdot-paths"));
  mkdirSync(join(s, "far", "target"), { recursive: true });
  symlinkSync(join(s, "far", "target"), join(s, "link"));
  return { s, dotted: (name) => `${join(s, "link")}/../${name}` };
}

describe.runIf(process.platform !== "win32")("a directory given as `link/../out`", () => {
  it("is the one beside the link's target for systemPath; any other path is left as given", () => {
    const { s, dotted } = linked();
    expect(systemPath(dotted("out"))).toBe(join(s, "far", "out"));
    for (const path of [join(s, "link", "x"), `${s}/far/../far/out`, "out", "a/../out", `${s}/missing/../out`]) expect(systemPath(path)).toBe(path);
    // relative, against the process's directory
    const fromHere = `${relative(process.cwd(), join(s, "link"))}/../out`;
    expect(systemPath(fromHere)).toBe(join(s, "far", "out"));
  });

  it("is where writeBundle writes, readBundle reads and writeBundleSignature signs", () => {
    const { s, dotted } = linked();
    const key = generateKeyPair();
    const bundle = fakeBundle({ name: "p", version: "1.0.0", moduleText: "a module" });
    writeBundle(dotted("out"), bundle);
    expect(readdirSync(join(s, "far", "out")).sort()).toEqual(["p.manifest.json", "p.wasm"]);
    expect(existsSync(join(s, "out"))).toBe(false);
    const read = readBundle(dotted("out"));
    writeBundleSignature(dotted("out"), "p", read, signBundle(read, key).signature!);
    expect(verifyBundle(readBundle(join(s, "far", "out")), { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
    expect(readdirSync(s).sort()).toEqual(["far", "link"]);
  });

  it("is where writeKeyPair writes the pair", () => {
    const { s, dotted } = linked();
    const key = generateKeyPair();
    mkdirSync(join(s, "far", "keys"));
    const written = writeKeyPair(dotted("keys"), key, "issuer");
    expect(readdirSync(join(s, "far", "keys")).sort()).toEqual(["issuer.private.jwk", "issuer.public.jwk"]);
    expect(loadPrivateKeyFile(written.privateKeyPath)).toEqual({ ok: true, key });
    expect(readdirSync(s).sort()).toEqual(["far", "link"]);
  });
});
