// A directory given to the library with a `..` after a symbolic link to a directory (`link/../out`)
// is the directory the system opens by that path, beside the link's target, for every file the
// function reads or writes in it (systemPath, runtime/given-path.ts). join() takes such a `..` away
// by text while the system creates and opens the directory through the link: writeBundle wrote its
// files beside the link, and readBundle of the same path looked beside the link's target. A `..`
// after a file is refused, as the system refuses it, where join() named the directory beside the file.

import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { leadsThroughFile, systemPath } from "../../runtime/given-path.js";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeBundleSignature } from "../../runtime/trust/bundle-signature-write.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { loadPrivateKeyFile, restorePublicKey, writeKeyPair } from "../../runtime/trust/key-files.js";
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

describe.runIf(process.platform !== "win32")("a directory given as `file/../out`", () => {
  /** A fresh directory holding the file `p.writ` and the directory `out`, and `<dir>/p.writ/../<name>`, written out. */
  const beside = () => {
    const s = realpathSync(tempDir("dotdot-file"));
    writeFileSync(join(s, "p.writ"), "a policy\n");
    mkdirSync(join(s, "out"));
    return { s, dotted: (name: string) => `${join(s, "p.writ")}/../${name}` };
  };

  it("leads nowhere, as for the system: no `..` goes up from a file", () => {
    const { s, dotted } = beside();
    expect(leadsThroughFile(dotted("out"))).toBe(true);
    expect(() => readdirSync(dotted("out"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
    for (const path of [join(s, "out"), `${s}/out/../out`, `${s}/missing/../out`, "a/../out"]) expect(leadsThroughFile(path)).toBe(false);
  });

  it("is refused by writeBundle, writeBundleSignature, readBundle, writeKeyPair and restorePublicKey, which write and read nothing beside the file", () => {
    const { s, dotted } = beside();
    const key = generateKeyPair();
    const bundle = fakeBundle({ name: "p", version: "1.0.0", moduleText: "a module" });
    expect(() => writeBundle(dotted("out"), bundle)).toThrow(/cannot create the bundle directory .*p\.writ\/\.\.\/out: not a directory \(ENOTDIR\)/);
    writeBundle(join(s, "out"), bundle);
    const before = readdirSync(join(s, "out")).sort();
    expect(() => readBundle(dotted("out"))).toThrow(/not a directory|not a bundle/);
    const read = readBundle(join(s, "out"));
    expect(() => writeBundleSignature(dotted("out"), "p", read, signBundle(read, key).signature!)).toThrow(/cannot write the signature of bundle "p" in .*p\.writ\/\.\.\/out: not a directory \(ENOTDIR\)/);
    expect(() => writeKeyPair(dotted("out"), key, "issuer")).toThrow(/p\.writ\/\.\.\/out: not a directory \(ENOTDIR\)/);
    writeFileSync(join(s, "out", "lone.private.jwk"), "{}\n");
    expect(restorePublicKey(dotted("out"), "lone")).toBeUndefined();
    expect(readdirSync(join(s, "out")).sort()).toEqual([...before, "lone.private.jwk"].sort());
    expect(readdirSync(s).sort()).toEqual(["out", "p.writ"]);
  });
});
