// `writ verify --pub` and `writ sign --key` in a process of their own, with PEM key files as openssl
// writes them: a file holding two keys, or a key and text after it, is refused by name, so that
// neither command trusts or signs with a key the file shows only part of; one key alone still works.

import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { privateKeyFromJwk } from "../../runtime/trust/keys.js";
import type { PrivateKey } from "../../runtime/trust/types.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { tempDir } from "../support/temp-dir.js";

const cwd = tempDir("pem-key-files");
const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

function writ(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", tsx, cli, ...argv], { cwd, encoding: "utf8", timeout: 30_000, env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An Ed25519 key as Writ holds it, with its two halves as PEM (`openssl genpkey`, `openssl pkey -pubout`). */
function pemKey(): { key: PrivateKey; privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const key = privateKeyFromJwk(privateKey.export({ format: "jwk" }));
  if (!key.ok) throw new Error(key.message);
  return { key: key.key, privatePem: privateKey.export({ format: "pem", type: "pkcs8" }) as string, publicPem: publicKey.export({ format: "pem", type: "spki" }) as string };
}

/** Every file of a directory with its bytes, to see that nothing was written. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "base64")]));
}

const signer = pemKey();
const other = pemKey();

beforeAll(async () => {
  const bundle = await compiledBundle();
  writeBundle(join(cwd, "signed"), signBundle(bundle, signer.key));
  writeBundle(join(cwd, "unsigned"), bundle);
}, 120_000);

describe("PEM key files given to writ", () => {
  it("verify trusts the key of a --pub file that holds it alone, and refuses a file with two keys or with text after its key", () => {
    writeFileSync(join(cwd, "signer.pub.pem"), signer.publicPem.replace(/\n/g, "\r\n"));
    const alone = writ(["verify", "signed", "--pub", "signer.pub.pem"]);
    expect(alone.stdout).toMatch(new RegExp(`^bundle payments 1\\.0\\.0 verified: signed by ${signer.key.keyId};`));
    expect(alone.status).toBe(0);

    // the signer's key is in the file, second: refused as two keys, not reported as an unknown signer
    writeFileSync(join(cwd, "both.pub.pem"), other.publicPem + signer.publicPem);
    const both = writ(["verify", "signed", "--pub", "both.pub.pem"]);
    expect(both).toEqual({
      status: 1,
      stdout: "",
      stderr: `writ verify: public key file ${join(cwd, "both.pub.pem")}: holds 2 PEM blocks ("PUBLIC KEY" at line 1, "PUBLIC KEY" at line 4); a key file holds one key\n`,
    });

    writeFileSync(join(cwd, "junk.pub.pem"), `${signer.publicPem}this is not PEM at all\n`);
    const junk = writ(["verify", "signed", "--pub", "junk.pub.pem"]);
    expect(junk).toEqual({
      status: 1,
      stdout: "",
      stderr: `writ verify: public key file ${join(cwd, "junk.pub.pem")}:4:1: text after the PEM block ("this is not PEM at all"); a key file holds one PEM block and only white space around it\n`,
    });
  });

  it("sign refuses a --key file with two private keys and writes nothing", () => {
    writeFileSync(join(cwd, "two.pem"), signer.privatePem + other.privatePem, { mode: 0o600 });
    const before = contents(join(cwd, "unsigned"));
    const r = writ(["sign", "unsigned", "--key", "two.pem"]);
    expect(r).toEqual({
      status: 1,
      stdout: "",
      stderr: `writ sign: private key file ${join(cwd, "two.pem")}: holds 2 PEM blocks ("PRIVATE KEY" at line 1, "PRIVATE KEY" at line 4); a key file holds one key\n`,
    });
    expect(contents(join(cwd, "unsigned"))).toEqual(before);
  });
});
