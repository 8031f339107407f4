// Files read whole are read with a cap for what they should hold: a key file past 64 KiB, a request,
// artifact or policy past 64 MiB is refused naming the file and the limit, and a device without an
// end (/dev/zero) is read only up to the cap instead of until memory runs out.

import { existsSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../cli/io.js";
import { authorizeCommand } from "../../cli/commands/authorize.js";
import { checkCommand } from "../../cli/commands/check.js";
import { keygenCommand } from "../../cli/commands/keygen.js";
import { verifyCommand } from "../../cli/commands/verify.js";
import { readRequestList } from "../../cli/commands/request-json.js";
import { readFileBounded, READ_LIMITS, TooLargeError } from "../../runtime/bounded-read.js";
import { tryOpenLog } from "../../runtime/trust/lineage.js";
import { tempDir } from "../support/temp-dir.js";

async function run(command: { run(args: readonly string[], io: CliIO): Promise<number> }, cwd: string, args: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io: CliIO = { cwd, out: () => {}, err: (t) => err.push(t), readStdin: async () => "" };
  const code = await command.run(args, io);
  return { code, err: err.join("\n") };
}

const cwd = tempDir("bounded");
const hasDevZero = existsSync("/dev/zero");
beforeAll(async () => {
  expect((await run(keygenCommand, cwd, ["-o", "keys"])).code).toBe(0);
});

describe("readFileBounded", () => {
  it("reads a file up to its limit, and refuses a longer one by its size before reading it", () => {
    const file = join(cwd, "ten.txt");
    writeFileSync(file, "0123456789");
    expect(readFileBounded(file, 10).toString()).toBe("0123456789");
    expect(() => readFileBounded(file, 9)).toThrow(TooLargeError);
    expect(() => readFileBounded(file, 9)).toThrow(/^10 bytes, more than 9 bytes$/);
    expect(() => readFileBounded(join(cwd, "absent"), 9)).toThrow(/ENOENT/);
  });
  it.skipIf(!hasDevZero)("stops reading a device at the limit", () => {
    expect(() => readFileBounded("/dev/zero", 1024 * 1024)).toThrow(/^more than 1 MiB$/);
  });
});

describe.skipIf(!hasDevZero)("the commands, given /dev/zero", () => {
  it("refuse it as a key file and an artifact, naming it and the limit, and as a private key, a policy source and a log", async () => {
    const key = await run(verifyCommand, cwd, ["anything.jws", "--pub", "/dev/zero"]);
    expect(key).toEqual({ code: 1, err: `writ verify: key file /dev/zero holds more than the 64 KiB read for a key file (a key is a few hundred bytes); it was not read further` });
    // a device that others may open is no private key file, and is not read at all
    const signing = await run(authorizeCommand, cwd, ["bundle", "--input", "request.json", "--key", "/dev/zero"]);
    expect(signing).toEqual({
      code: 1,
      err: "writ authorize: private key file /dev/zero is not a regular file (a character device): give the file of a private key, as `writ keygen` writes it (<name>.private.jwk)",
    });
    const artifact = await run(verifyCommand, cwd, ["/dev/zero", "--pub", "keys/writ.public.jwk"]);
    expect(artifact).toEqual({ code: 1, err: `writ verify: /dev/zero holds more than the 64 MiB read for an artifact; it was not read further` });
    // a policy source is a regular file, and a device is not read at all
    const policy = await run(checkCommand, cwd, ["/dev/zero"]);
    expect(policy).toEqual({ code: 1, err: "writ check: /dev/zero: not a regular file" });
    // a log is opened for appending: a device is no log, and is not read
    const device = join(cwd, "zero.jsonl");
    symlinkSync("/dev/zero", device);
    const log = tryOpenLog(device);
    expect(log).toMatchObject({ ok: false, error: { message: `${device} is not a regular file; a lineage log is one (give a file's path, or one to create)` } });
  });
});

describe("a regular file past its limit", () => {
  it("is refused by its size", async () => {
    writeFileSync(join(cwd, "huge.jws"), Buffer.alloc(READ_LIMITS.input + 1, 0x41));
    const artifact = await run(verifyCommand, cwd, ["huge.jws", "--pub", "keys/writ.public.jwk"]);
    expect(artifact).toEqual({ code: 1, err: `writ verify: huge.jws is ${READ_LIMITS.input + 1} bytes, more than the 64 MiB read for an artifact` });
  });

  it("is one request's: a list of requests (one per record of an audited log) may be longer", async () => {
    writeFileSync(join(cwd, "many.jsonl"), "");
    truncateSync(join(cwd, "many.jsonl"), READ_LIMITS.input + 1); // zeros: read whole, then not JSON
    const io: CliIO = { cwd, out: () => {}, err: () => {}, readStdin: async () => "" };
    const list = await readRequestList(io, "many.jsonl");
    expect(list.ok).toBe(false);
    expect((list as { message: string }).message).not.toMatch(/more than/);
    truncateSync(join(cwd, "many.jsonl"), READ_LIMITS.requests + 1);
    expect(await readRequestList(io, "many.jsonl")).toEqual({ ok: false, message: `many.jsonl is ${READ_LIMITS.requests + 1} bytes, more than the 512 MiB read for a list of requests` });
  });
});
