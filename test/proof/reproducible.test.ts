// Reproducibility: the same policy source gives byte-identical modules (and so identical digests) and
// identical manifests, whatever the process, the working directory, the file name, the time zone and
// the locale — and, within one process, whatever order several policies are compiled in. Child
// processes run test/proof/children/compile-digest.ts under each environment.

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { digestPair } from "../../runtime/crypto/digest.js";
import { Draw, drawPolicy, policyToWrit } from "../support/arbitraries/index.js";
import { tempDir } from "../support/temp-dir.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const child = join(root, "test/proof/children/compile-digest.ts");
const tsxLoader = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

interface Compiled {
  digests: { sha3_512: string; blake2b_512: string };
  module: string;
  manifest: string;
}

const sources: Record<string, string> = {
  governance: readFileSync(join(root, "bench/policies/agent-governance.writ"), "utf8"),
  payments: readFileSync(join(root, "test/syntax/fixtures/agent-payments.writ"), "utf8"),
  generated: policyToWrit(drawPolicy(Draw.seeded(20261128), { maxRules: 8 })),
};
const names = Object.keys(sources);

function runChild(cwd: string, files: string[], env: Record<string, string>): Promise<Compiled[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, child, ...files],
      { cwd, env: { ...process.env, ...env }, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}\n${stdout}`));
        resolve(stdout.trim().split("\n").map((l) => JSON.parse(l) as Compiled));
      },
    );
  });
}

async function inProcess(order: readonly string[]): Promise<Record<string, Compiled>> {
  const out: Record<string, Compiled> = {};
  for (const name of order) {
    const r = await compilePolicy(sources[name]!, { fileName: `${name}.writ` });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const b = r.bundle!;
    out[name] = { digests: b.manifest.digests, module: Buffer.from(b.module).toString("base64"), manifest: canonicalize(b.manifest) };
  }
  return out;
}

describe("reproducible builds", () => {
  let dir: string;
  let reference: Record<string, Compiled>;
  const children: { label: string; results: Record<string, Compiled> }[] = [];

  beforeAll(async () => {
    dir = tempDir("repro");
    // Three environments: different directories, file names (spaces, non-ASCII, relative and absolute
    // paths), time zones with odd offsets, and locales that change case mapping and collation.
    const a = join(dir, "a");
    const b = join(dir, "b", "nested dir", "ü");
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    const filesA = names.map((n) => {
      writeFileSync(join(a, `${n}.writ`), sources[n]!);
      return join(a, `${n}.writ`);
    });
    const filesB = names.map((n, i) => {
      writeFileSync(join(b, `Policy ${i} İı.writ`), sources[n]!);
      return `Policy ${i} İı.writ`;
    });
    const envs = [
      { label: "cwd a, TZ=UTC, LC_ALL=C", cwd: a, files: filesA, env: { TZ: "UTC", LANG: "C", LC_ALL: "C" } },
      // reversed order, relative names, Turkish locale (dotless i), a +13:45 time zone
      { label: "cwd b, TZ=Pacific/Chatham, LC_ALL=tr_TR.UTF-8", cwd: b, files: [...filesB].reverse(), env: { TZ: "Pacific/Chatham", LANG: "tr_TR.UTF-8", LC_ALL: "tr_TR.UTF-8" } },
    ];
    const third = runChild(tmpdir(), [filesA[1]!, filesA[0]!, filesA[2]!], { TZ: "America/St_Johns", LANG: "ja_JP.UTF-8", LC_ALL: "de_DE.UTF-8" });
    const results = await Promise.all(envs.map((e) => runChild(e.cwd, e.files, e.env)));
    envs.forEach((e, i) => {
      const list = results[i]!;
      const order = e.files === filesA ? names : [...names].reverse();
      children.push({ label: e.label, results: Object.fromEntries(order.map((n, j) => [n, list[j]!])) });
    });
    // a third process in yet another place: the system temp directory, -03:30, German and Japanese
    const c = await third;
    children.push({ label: "cwd tmp, TZ=America/St_Johns, LC_ALL=de_DE.UTF-8", results: { payments: c[0]!, governance: c[1]!, generated: c[2]! } });
    reference = await inProcess(names);
  }, 600_000);

  it("every process, directory, file name, time zone and locale gives the same module bytes, digests and manifest", () => {
    expect(children).toHaveLength(3);
    for (const c of children)
      for (const n of names) {
        const got = c.results[n]!;
        expect({ env: c.label, policy: n, digests: got.digests }).toEqual({ env: c.label, policy: n, digests: reference[n]!.digests });
        expect(got.module === reference[n]!.module, `${c.label}: ${n} module bytes`).toBe(true);
        expect(got.manifest === reference[n]!.manifest, `${c.label}: ${n} manifest`).toBe(true);
      }
  });

  it("the digests are the digests of the bytes, and different policies differ", () => {
    const seen = new Set<string>();
    for (const n of names) {
      const bytes = Buffer.from(reference[n]!.module, "base64");
      expect(digestPair(bytes)).toEqual(reference[n]!.digests);
      seen.add(reference[n]!.digests.sha3_512);
    }
    expect(seen.size).toBe(names.length);
  });

  it("compiling several policies in one process does not depend on their order", async () => {
    const reversed = await inProcess([...names].reverse());
    const rotated = await inProcess([names[1]!, names[2]!, names[0]!]);
    for (const n of names) {
      expect(reversed[n]).toEqual(reference[n]);
      expect(rotated[n]).toEqual(reference[n]);
    }
  }, 300_000);
});
