// Key files in PEM form hold one key: one PEM block, `PUBLIC KEY` or `PRIVATE KEY`, with only white
// space around it. node:crypto reads the first PEM object of a text and ignores the rest, so a second
// key, text after the block, bytes after the key inside the block, or a certificate would each have
// been read as some key other than what the file shows; each is refused, saying where and why, and
// no key comes back. The PEM that openssl and node:crypto write still loads, LF or CRLF.

import { writeFileSync } from "node:fs";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPrivateKeyFile, loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("pem-keys");

/** An Ed25519 key pair as openssl writes it (`genpkey`, `pkey -pubout`): the PEM text of each half. */
function pemPair(): { privatePem: string; publicPem: string; privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privatePem: privateKey.export({ format: "pem", type: "pkcs8" }) as string, publicPem: publicKey.export({ format: "pem", type: "spki" }) as string, privateKey };
}

/** `text` written to a new file of `name` (0600: as a private key must be), and its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** The key id loading `path` gives, or the refusal's message. */
function publicOf(path: string): string {
  const loaded = loadPublicKeyFile(path);
  return loaded.ok ? `key ${loaded.key.keyId}` : loaded.message;
}
function privateOf(path: string): string {
  const loaded = loadPrivateKeyFile(path);
  return loaded.ok ? `key ${loaded.key.keyId}` : loaded.message;
}

// `openssl req -new -x509 -key k.pem -subj /CN=writ-test -days 1`: an Ed25519 certificate, long
// expired, whose key node:crypto's createPublicKey returns as it would a `PUBLIC KEY`
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBPDCB76ADAgECAhQW/tECPHCd4YsQnEVLuytXiBzFUjAFBgMrZXAwFDESMBAG
A1UEAwwJd3JpdC10ZXN0MB4XDTI2MTIwMjEzMTMwNFoXDTI2MTIwMzEzMTMwNFow
FDESMBAGA1UEAwwJd3JpdC10ZXN0MCowBQYDK2VwAyEAU373KkbGpxauIlpYoODR
QsmwATf2i9roOL/Ke4AXDgajUzBRMB0GA1UdDgQWBBTg5jNPVSTl8wmLv+LBpshD
SR2qjjAfBgNVHSMEGDAWgBTg5jNPVSTl8wmLv+LBpshDSR2qjjAPBgNVHRMBAf8E
BTADAQH/MAUGAytlcANBAAd6hps7w+C48jNTT/zy2T7U632yqI8dKIGVfAPM/15v
c1EzSX3DCk4ZVdbgtj/9kg+Mt+aBQqOCiCLVxv3Y+Qk=
-----END CERTIFICATE-----
`;

describe("a PEM key file", () => {
  it("loads as openssl writes it: one SPKI or PKCS8 block, LF or CRLF, a private key read as a public one giving its public half", () => {
    const { privatePem, publicPem, privateKey } = pemPair();
    const { kid } = privateKey.export({ format: "jwk" }) as { kid?: string };
    expect(kid).toBeUndefined(); // node writes none: the id is Writ's thumbprint, compared below
    const keyId = privateOf(file("lf.pem", privatePem));
    expect(keyId).toMatch(/^key [A-Za-z0-9_-]{43}$/);
    expect(publicPem.endsWith("-----END PUBLIC KEY-----\n")).toBe(true);
    expect(publicOf(file("lf.pub.pem", publicPem))).toBe(keyId);
    const crlf = (text: string) => text.replace(/\n/g, "\r\n");
    expect(privateOf(file("crlf.pem", crlf(privatePem)))).toBe(keyId);
    expect(publicOf(file("crlf.pub.pem", crlf(publicPem)))).toBe(keyId);
    // white space around the block, and none at its end
    expect(publicOf(file("spaced.pub.pem", `\n\n  ${publicPem.trimEnd()}  \n\n`))).toBe(keyId);
    expect(publicOf(file("bare.pub.pem", publicPem.trimEnd()))).toBe(keyId);
    expect(publicOf(file("private-as-public.pem", privatePem))).toBe(keyId);
  });

  it("holding two public keys is refused, naming both blocks, rather than trusting the first alone", () => {
    const [a, b] = [pemPair(), pemPair()];
    const path = file("two.pub.pem", a.publicPem + b.publicPem);
    expect(loadPublicKeyFile(path)).toEqual({
      ok: false,
      message: `public key file ${path}: holds 2 PEM blocks ("PUBLIC KEY" at line 1, "PUBLIC KEY" at line 4); a key file holds one key`,
    });
    // whichever key comes second, and CRLF line ends or blank lines between
    expect(publicOf(file("two-crlf.pub.pem", (b.publicPem + "\n\n" + a.publicPem).replace(/\n/g, "\r\n")))).toMatch(/holds 2 PEM blocks \("PUBLIC KEY" at line 1, "PUBLIC KEY" at line 6\)/);
    // a public key with a private key after it, either way round, and many blocks
    expect(publicOf(file("mixed.pub.pem", a.publicPem + b.privatePem))).toMatch(/: holds 2 PEM blocks \("PUBLIC KEY" at line 1, "PRIVATE KEY" at line 4\); a key file holds one key$/);
    expect(publicOf(file("five.pub.pem", a.publicPem.repeat(5)))).toMatch(/: holds 5 PEM blocks \("PUBLIC KEY" at line 1, "PUBLIC KEY" at line 4, "PUBLIC KEY" at line 7 and 2 more\)/);
  });

  it("holding two private keys is refused rather than signing with the first", () => {
    const [a, b] = [pemPair(), pemPair()];
    const path = file("two.pem", a.privatePem + b.privatePem);
    expect(loadPrivateKeyFile(path)).toEqual({
      ok: false,
      message: `private key file ${path}: holds 2 PEM blocks ("PRIVATE KEY" at line 1, "PRIVATE KEY" at line 4); a key file holds one key`,
    });
    // a public key and a private key: not said to be a public key, since it holds a private one too
    expect(privateOf(file("pub-then-private.pem", a.publicPem + a.privatePem))).toMatch(/: holds 2 PEM blocks \("PUBLIC KEY" at line 1, "PRIVATE KEY" at line 4\); a key file holds one key$/);
    // public keys only: said to be no private key, before the file's mode
    const publicOnly = join(dir, "two-public.pem");
    writeFileSync(publicOnly, a.publicPem + b.publicPem, { mode: 0o644 });
    expect(privateOf(publicOnly)).toBe(
      `key file ${publicOnly} holds 2 PEM blocks ("PUBLIC KEY" at line 1, "PUBLIC KEY" at line 4), public keys only, and a private key is needed here: give a private key (\`writ keygen\` writes it as <name>.private.jwk, beside <name>.public.jwk)`,
    );
  });

  it("with text before or after its block is refused, saying where, the text shown escaped", () => {
    const { privatePem, publicPem } = pemPair();
    const after = file("junk.pub.pem", `${publicPem}this is not PEM at all\n`);
    expect(loadPublicKeyFile(after)).toEqual({
      ok: false,
      message: `public key file ${after}:4:1: text after the PEM block ("this is not PEM at all"); a key file holds one PEM block and only white space around it`,
    });
    const before = file("before.pem", `my signing key:\r\n\r\n${privatePem}`);
    expect(privateOf(before)).toBe(`private key file ${before}:1:1: text before the PEM block ("my signing key:"); a key file holds one PEM block and only white space around it`);
    // `openssl pkey -text` writes the key's bytes after its block
    expect(privateOf(file("text.pem", `${privatePem}ED25519 Private-Key:\npriv:\n    fc:59\n`))).toMatch(/text\.pem:4:1: text after the PEM block \("ED25519 Private-Key:"\)/);
    // where on its line the text begins; a control character, a line separator or an override shown as its escape
    const hostile = file("hostile.pub.pem", `${publicPem}\n   \u001b[2K\u202eforged\u2028line\u0000\n`);
    const message = publicOf(hostile);
    expect(message).toBe(
      `public key file ${hostile}:5:4: text after the PEM block ("\\u001b[2K\\u202eforged\\u2028line\\u0000"); a key file holds one PEM block and only white space around it`,
    );
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    // a long line is cut
    expect(publicOf(file("long.pub.pem", `${publicPem}${"x".repeat(5000)}\n`))).toMatch(/\("x{63}…"\)/);
  });

  it("that is a certificate is refused as a trusted key, saying how to get the key from it", () => {
    const path = file("cert.pem", CERTIFICATE);
    expect(loadPublicKeyFile(path)).toEqual({
      ok: false,
      message:
        `public key file ${path}: is an X.509 certificate (PEM "CERTIFICATE"): writ trusts keys, not certificates, and checks none of a certificate's dates, issuer or uses; ` +
        "give the public key it certifies, which `openssl x509 -in cert.pem -pubkey -noout > key.pem` writes",
    });
    // given as a private key (0644, as certificates are): said to hold none, not advised a chmod
    const shared = join(dir, "shared-cert.pem");
    writeFileSync(shared, CERTIFICATE, { mode: 0o644 });
    expect(privateOf(shared)).toMatch(new RegExp(`^key file ${shared} is an X\\.509 certificate, which holds no private key, and a private key is needed here`));
  });

  it("that is an encrypted private key is refused, saying how to decrypt it, not in OpenSSL's words", () => {
    const { privateKey, publicPem } = pemPair();
    const encrypted = privateKey.export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "secret" }) as string;
    expect(encrypted).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const path = file("enc.key", encrypted);
    expect(loadPrivateKeyFile(path)).toEqual({
      ok: false,
      message:
        `private key file ${path}: is an encrypted private key (PEM "ENCRYPTED PRIVATE KEY"): writ reads unencrypted keys only, and asks for no passphrase; ` +
        "decrypt it into a key file of its own, e.g. `openssl pkey -in enc.key -out key.pem`",
    });
    expect(publicOf(path)).toMatch(/: is an encrypted private key .*; write its public key into a file of its own, e.g. `openssl pkey -in enc\.key -pubout -out key\.pem`$/);
    expect(publicOf(file("plain.pub.pem", publicPem))).toMatch(/^key /);
  });

  it("of another kind is refused, naming its label", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pkcs1 = file("rsa.pem", rsa.privateKey.export({ format: "pem", type: "pkcs1" }) as string);
    expect(privateOf(pkcs1)).toBe(`private key file ${pkcs1}: holds a PEM block labelled "RSA PRIVATE KEY"; a private key file holds a PKCS8 \`PRIVATE KEY\``);
    const ssh = file("id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
    expect(privateOf(ssh)).toMatch(/: holds a PEM block labelled "OPENSSH PRIVATE KEY"; a private key file holds a PKCS8 `PRIVATE KEY`$/);
    expect(publicOf(pkcs1)).toBe(
      `public key file ${pkcs1}: holds a PEM block labelled "RSA PRIVATE KEY"; a public key file holds an SPKI \`PUBLIC KEY\` (or a PKCS8 \`PRIVATE KEY\`, read as its public half)`,
    );
    // a label holding a control character is shown escaped
    expect(publicOf(file("odd.pem", "-----BEGIN PUBLIC\u001bKEY-----\nAAAA\n-----END PUBLIC\u001bKEY-----\n"))).toMatch(/labelled "PUBLIC\\u001bKEY";/);
  });

  it("that is no well-formed PEM is refused, saying where, rather than read up to what node:crypto stops at", () => {
    const [a, b] = [pemPair(), pemPair()];
    const lines = a.publicPem.split("\n");
    const cases: [string, string, RegExp][] = [
      ["no END line", `${lines[0]}\n${lines[1]}\n`, /:1:1: the PEM block "PUBLIC KEY" begun here has no END line$/],
      ["an END of another label", `${lines[0]}\n${lines[1]}\n-----END PRIVATE KEY-----\n`, /:3:1: the PEM block "PUBLIC KEY" begun at line 1 ends as "PRIVATE KEY"$/],
      ["a BEGIN inside a block", `${lines[0]}\n${b.publicPem}`, /:1:1: the PEM block "PUBLIC KEY" begun here has no END line before the next BEGIN, at line 2$/],
      ["an END alone", `${a.publicPem}-----END PUBLIC KEY-----\n`, /:4:1: a PEM END line \("-----END PUBLIC KEY-----"\) with no BEGIN line before it$/],
      ["a cut delimiter", `-----BEGIN PUBLIC KEY\n${lines[1]}\n${lines[2]}\n`, /:1:1: neither a PEM BEGIN nor END line \("-----BEGIN PUBLIC KEY"\)$/],
      ["a header", `${lines[0]}\nComment: mine\n${lines[1]}\n${lines[2]}\n`, /:2:1: a line of the PEM block that is not base64 \("Comment: mine"\)$/],
      ["base64 padded midway", `${lines[0]}\nAA==\n${lines[1]}\n${lines[2]}\n`, /:1:1: the PEM block begun here is not well-formed base64 \(64 characters; padding only at its end\)$/],
    ];
    for (const [what, text, message] of cases) expect(publicOf(file("bad.pub.pem", text)), what).toMatch(message);
  });

  it("whose block holds a second key after the first (its DER followed by more) is refused", () => {
    const [a, b] = [pemPair(), pemPair()];
    const der = (pem: string) => Buffer.from(pem.split("\n").slice(1, -2).join(""), "base64");
    const both = Buffer.concat([der(a.publicPem), der(b.publicPem)]).toString("base64");
    const path = file("one-block-two-keys.pub.pem", `-----BEGIN PUBLIC KEY-----\n${both.replace(/(.{64})/g, "$1\n")}\n-----END PUBLIC KEY-----\n`);
    expect(loadPublicKeyFile(path)).toEqual({
      ok: false,
      message: `public key file ${path}: the PEM block holds 44 bytes after the key it begins with; a key file holds one key and nothing else`,
    });
    const privateBoth = Buffer.concat([der(a.privatePem), der(b.privatePem)]).toString("base64");
    expect(privateOf(file("one-block-two-keys.pem", `-----BEGIN PRIVATE KEY-----\n${privateBoth}\n-----END PRIVATE KEY-----\n`))).toMatch(/: the PEM block holds 48 bytes after the key it begins with/);
  });
});
