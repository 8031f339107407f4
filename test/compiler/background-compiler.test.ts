// Compiling off the event loop (compiler/worker.ts), on a transpiled copy of the tree: Node 20 cannot
// load TypeScript in a worker thread. The same bytes as an in-thread compile; a cache that saves the
// second compile and hands each caller a copy of its own; a worker that runs out of memory fails its
// compile and the next one (which used to hang for ever), while one waiting behind a compile that
// brings the worker down goes to a new worker; a time limit that counts the compile, not the start
// of its worker, which has a limit of its own; a cache that tells options apart by type; options
// read once, when compile is called, and refused (never thrown) when not of their types, with the
// class of error an in-thread compile throws; nothing after close. A worker that could not load asc
// is replaced rather than kept, a compiler's fault is not cached, and a text the parser does not
// take is answered at once, without hashing it or sending it to the worker. The cache is bounded by
// the bytes its results hold as well as by their count, and a cache hit's key costs the host's
// thread a fraction of what SHA3-512 of the text's UTF-16 did. The file name every diagnostic holds
// is not sent back by the worker, nor copied for each diagnostic: the host puts its own back, one
// string for all of them.

import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { MessageChannel, Worker } from "node:worker_threads";
import { serialize } from "node:v8";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import * as compilerApi from "../../compiler/index.js";
import { MAX_SOURCE_LENGTH } from "../../compiler/syntax/index.js";
import { chattyPolicy } from "../../bench/background-compiler-figures.js";
import type * as WorkerModule from "../../compiler/worker.js";
import { diagnosticsFor, sentDiagnostics } from "../../compiler/worker-reply.js";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

type Options = Parameters<WorkerModule.BackgroundCompiler["compile"]>[1];

/**
 * Makes the tree's node_modules a folder of links to the repository's packages, one each, so that a
 * test can take one away (assemblyscript, whose absence fails asc's load as deterministically as
 * running out of file descriptors while a worker starts did by chance).
 */
function linkPackagesOneByOne(build: string): void {
  const modules = join(build, "node_modules");
  rmSync(modules);
  mkdirSync(modules);
  for (const name of readdirSync(join(repositoryRoot, "node_modules"))) symlinkSync(join(repositoryRoot, "node_modules", name), join(modules, name));
}

describe("the background compiler", () => {
  let build: string;
  let worker: typeof WorkerModule;
  const source = readFileSync(join(repositoryRoot, "policies/payments.writ"), "utf8");
  beforeAll(async () => {
    build = tempDir("bg");
    writeTranspiledTree(build, ["compiler", "runtime"], { name: "writ", version: "0.0.0-test" });
    linkPackagesOneByOne(build);
    worker = (await import(pathToFileURL(join(build, "compiler/worker.js")).href)) as typeof WorkerModule;
  }, 60_000);

  it("compiles the bytes an in-thread compile gives, once per source and options, a copy per caller", async () => {
    const compiler = worker.createBackgroundCompiler();
    try {
      const first = await compiler.compile(source);
      expect(first.diagnostics).toEqual([]);
      const direct = await compilePolicy(source);
      expect(Buffer.from(first.bundle!.module).equals(Buffer.from(direct.bundle!.module))).toBe(true);
      (first.bundle!.manifest as { name: string }).name = "changed by the first caller";
      first.bundle!.module[0] = 0xff;
      const second = await compiler.compile(source);
      expect(compiler.cacheHits).toBe(1);
      expect(second.bundle!.manifest.name).toBe("payments");
      expect(Buffer.from(second.bundle!.module).equals(Buffer.from(direct.bundle!.module))).toBe(true);
      // options are part of the key: two budgets apart from each other and from the default
      await compiler.compile(source, { maxCost: 20_000_000 });
      await compiler.compile(source, { maxCost: 30_000_000 });
      expect(compiler.cacheHits).toBe(1);
      // NaN and Infinity are no budget: refused, as compilePolicy refuses them, and nothing is cached
      for (const maxCost of [Number.NaN, Number.POSITIVE_INFINITY])
        await expect(compiler.compile(source, { maxCost })).rejects.toThrow(new RangeError(`options.maxCost must be a whole number from 1 to 9007199254740991, got ${maxCost}`));
      expect(compiler.cacheHits).toBe(1);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("fails a compile whose worker runs out of memory, and the next one too instead of hanging", async () => {
    const compiler = worker.createBackgroundCompiler({ resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } });
    try {
      await expect(compiler.compile(source)).rejects.toThrow(/memory limit/);
      await expect(compiler.compile(`${source}\n// another`)).rejects.toThrow(/memory limit/);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("fails alone a compile that brings the worker down: the one waiting behind it compiles on a new worker", async () => {
    // a policy too large for the worker's heap, then a small one submitted at once behind it
    const compiler = worker.createBackgroundCompiler({ resourceLimits: { maxOldGenerationSizeMb: 64 } });
    try {
      const big = `${source}\n${Array.from({ length: 40_000 }, (_, i) => `forbid r${i} when payment.amount == ${i} && principal.id == "x${i}"`).join("\n")}\n`;
      const [large, small] = await Promise.allSettled([compiler.compile(big, { optimize: false }), compiler.compile(source, { optimize: false })]);
      expect(large).toMatchObject({ status: "rejected", reason: expect.objectContaining({ message: expect.stringMatching(/memory limit/) }) });
      expect(small.status).toBe("fulfilled");
      expect((small as PromiseFulfilledResult<WorkerModule.CompiledInWorker>).value.diagnostics).toEqual([]);
    } finally {
      await compiler.close();
    }
  }, 180_000);

  it("stops a compile that takes longer than its time limit, and compiles the next on a new worker", async () => {
    // 16,000 rules take fifteen seconds or more to compile; the worker's memory limits do not bound
    // the optimiser's own (WebAssembly) memory, so time is what stops a compile for sure
    const compiler = worker.createBackgroundCompiler({ timeoutMs: 6_000 });
    try {
      const slow = `${source}\n${Array.from({ length: 16_000 }, (_, i) => `forbid r${i} when payment.amount == ${i} && principal.id == "x${i}"`).join("\n")}\n`;
      const started = Date.now();
      const [stopped, next] = await Promise.allSettled([compiler.compile(slow), compiler.compile(source, { optimize: false })]);
      expect(stopped).toMatchObject({
        status: "rejected",
        reason: expect.objectContaining({ message: "the compile took longer than 6000 ms (timeoutMs, timed from when the started worker was given it) and was stopped" }),
      });
      expect(next.status).toBe("fulfilled");
      expect((next as PromiseFulfilledResult<WorkerModule.CompiledInWorker>).value.diagnostics).toEqual([]);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await compiler.close();
    }
    // setTimeout would run these after 1 ms, stopping every compile
    // and these were taken, then stopped every compile ("took longer than 0.5 ms", "than true ms")
    for (const timeoutMs of [0, Infinity, 2 ** 31, NaN, 0.5, true, "50"])
      expect(() => worker.createBackgroundCompiler({ timeoutMs: timeoutMs as number })).toThrow(/timeoutMs must be a whole number of milliseconds from 1 to 2147483647/);
  }, 120_000);

  it("times a compile from when its worker has started: a slow start is not the compile's", async () => {
    // a start of 1.5 s (loading the compiler and asc takes about 1) used to count against a 500 ms
    // compile: after one timeout, every compile on a new worker timed out, blamed on the compile
    const compiler = worker.createBackgroundCompiler({ timeoutMs: 500 }, { delayMs: 1_500 });
    try {
      const started = Date.now();
      const r = await compiler.compile(`policy "p" version "1.0.0"\ninput { a: { n: int } }\npermit r when a.n == 1\n`, { stopAfter: "parse" });
      expect(r.diagnostics).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("fails the compiles waiting for a worker that does not start in time, unrun, and says so", async () => {
    const compiler = worker.createBackgroundCompiler({}, { delayMs: 10_000, timeoutMs: 300 });
    try {
      const results = await Promise.allSettled([compiler.compile(source, { stopAfter: "parse" }), compiler.compile(`${source}\n`, { stopAfter: "parse" })]);
      // each on a worker of its own: the first is stopped with the worker it waited for
      for (const r of results)
        expect(r).toMatchObject({
          status: "rejected",
          reason: expect.objectContaining({ message: "the compile worker did not start within 300 ms (loading the compiler and asc); the compile did not run" }),
        });
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("keys its cache by the options' values and types, and by a source that is text", async () => {
    const compiler = worker.createBackgroundCompiler();
    try {
      await compiler.compile(source, { maxCost: 20_000_000, optimize: false });
      // a string spelling a budget is another option, and is refused
      await expect(compiler.compile(source, { maxCost: "20000000" as unknown as number, optimize: false })).rejects.toThrow(new TypeError('options.maxCost must be a whole number from 1 to 9007199254740991, got "20000000"'));
      await compiler.compile(source, { optimize: false });
      for (const notText of [Buffer.from(source), [source]])
        await expect(compiler.compile(notText as unknown as string, { optimize: false })).rejects.toThrow(/the policy source must be a string/);
      expect(compiler.cacheHits).toBe(0);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("keys its cache by the text itself: a lone surrogate is not U+FFFD", async () => {
    // UTF-8 writes a lone surrogate as U+FFFD: the key made the two texts one, and each got the other's result
    const policy = (ch: string) => `policy "p" version "1.0.0"\ninput { user: { name: string(16) } }\npermit r when user.name == "${ch}"\n`;
    const valid = policy("\uFFFD");
    const lone = policy("\uD800");
    for (const order of [[valid, lone], [lone, valid]]) {
      const compiler = worker.createBackgroundCompiler();
      try {
        for (const text of order) {
          const codes = (await compiler.compile(text, { stopAfter: "check" })).diagnostics.map((d) => d.code);
          expect(codes).toEqual(text === lone ? ["W0105"] : []);
        }
        expect(compiler.cacheHits).toBe(0);
      } finally {
        await compiler.close();
      }
    }
  }, 60_000);

  it("keeps at most cacheSize results, and refuses a cacheSize that is not a whole number", async () => {
    const small = (i: number) => `policy "p${i}" version "1.0.0"\ninput { a: { n: int } }\npermit r when a.n == ${i}\n`;
    const hitsAfter = async (cacheSize: number, order: number[]) => {
      const compiler = worker.createBackgroundCompiler({ cacheSize });
      try {
        for (const i of order) await compiler.compile(small(i), { stopAfter: "parse" });
        return compiler.cacheHits;
      } finally {
        await compiler.close();
      }
    };
    expect(await hitsAfter(0, [1, 1])).toBe(0);
    expect(await hitsAfter(1, [1, 1, 2, 1])).toBe(1);
    expect(await hitsAfter(2, [1, 2, 1, 2, 3, 2])).toBe(3);
    // NaN (an unset environment variable, say) or a string kept every result: a cache without bound
    for (const cacheSize of [NaN, "abc", "2", -1, 1.5, Infinity, null])
      expect(() => worker.createBackgroundCompiler({ cacheSize: cacheSize as number })).toThrow(
        new RangeError(`cacheSize must be a whole number from 0 (no cache) to 9007199254740991, got ${typeof cacheSize === "string" ? `"${cacheSize}"` : cacheSize}`),
      );
  }, 60_000);

  it("takes an option left out (or undefined) as its default, and refuses null as a value of the wrong type, as compile's options do", () => {
    for (const name of ["timeoutMs", "cacheSize", "cacheBytes"])
      expect(() => worker.createBackgroundCompiler({ [name]: null }), name).toThrow(new RegExp(`^${name} must be a whole number .*, got null$`));
    expect(() => worker.createBackgroundCompiler({}, { delayMs: null } as never)).toThrow(/^startup\.delayMs must be a whole number of milliseconds from 0 .*, got null$/);
    expect(() => worker.createBackgroundCompiler({ resourceLimits: null } as never)).toThrow("resourceLimits must be an object, got null");
    expect(() => worker.createBackgroundCompiler({ resourceLimits: [] } as never)).toThrow("resourceLimits must be an object, got a list");
    void worker.createBackgroundCompiler({ timeoutMs: undefined, cacheSize: undefined }).close();
  });

  it("refuses a stack too small for the worker to start, or too large for Node to count, instead of letting it take the process down", () => {
    // from 2^44 MB Node's count of the stack's bytes overflows: the worker's RangeError ended the host (exit code 6)
    for (const stackSizeMb of [0.2, Infinity, 1e300, 2 ** 44, worker.MAX_WORKER_STACK_MB + 1, NaN, "8"])
      expect(() => worker.createBackgroundCompiler({ resourceLimits: { stackSizeMb: stackSizeMb as number } })).toThrow(
        new RangeError(`resourceLimits.stackSizeMb must be from 1 to 1048576 (a smaller stack overflows while the worker starts, a larger one overflows Node's count of its bytes, and either takes the process with it), got ${typeof stackSizeMb === "string" ? `"${stackSizeMb}"` : stackSizeMb}`),
      );
  });

  it("reads the resource limits once, when it is created: a limit changed afterwards does not reach a worker", async () => {
    const limits: { stackSizeMb?: number; codeRangeSizeMb?: number } = { stackSizeMb: 4 };
    const compiler = worker.createBackgroundCompiler({ resourceLimits: limits });
    try {
      limits.stackSizeMb = Infinity; // unchecked, it ended the host when the worker started (exit code 6)
      limits.codeRangeSizeMb = 1; // unchecked, V8 aborted the host (out of memory)
      const compiled = await compiler.compile(`policy "p" version "1"\ninput { n: int }\npermit p when n > 0\n`, { stopAfter: "check" });
      expect(compiled.diagnostics).toEqual([]);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("answers a policy naming functions objects inherit with its diagnostics, not a worker's death", async () => {
    // `constructor` was looked up in a plain object: the message was a function, which no message
    // between threads can carry, and the worker died of it, the compile rejected with a bare `{}`
    const compiler = worker.createBackgroundCompiler();
    try {
      const text = `policy "p" version "1"\ninput { a: int }\npermit r when constructor(a) || __proto__(a)\n`;
      const compiled = await compiler.compile(text, { stopAfter: "check" });
      expect(compiled.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["W0309 unknown function `constructor`", "W0309 unknown function `__proto__`"]);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("answers a result its worker cannot send with a failure saying so, which the compile rejects with as an Error", async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const received = new Promise<unknown>((resolve) => port2.once("message", resolve));
      const unclonable = { bundle: undefined, diagnostics: [{ message: () => "a function" }] } as unknown as WorkerModule.CompiledInWorker;
      worker.sendReply(port1, { id: 7, ok: true, result: unclonable });
      expect(await received).toEqual({ id: 7, ok: false, message: expect.stringMatching(/^the compile's result could not be sent from the worker: .*could not be cloned/) as unknown as string, error: "Error" });
    } finally {
      port1.close();
      port2.close();
    }
  });

  it("keeps results within cacheBytes, as estimated from what they hold, and none above a quarter of it", async () => {
    // a short text with a long diagnostic for each rule: 632 characters of message each
    const chatty = chattyPolicy;
    const bound = 2 ** 20;
    const compiler = worker.createBackgroundCompiler({ cacheBytes: bound });
    try {
      const first = await compiler.compile(chatty("0", 100));
      expect(first.diagnostics).toHaveLength(100);
      // estimated from above: at least the text of the diagnostics
      expect(compiler.cachedBytes).toBeGreaterThan(JSON.stringify(first.diagnostics).length);
      expect(compiler.cachedBytes).toBeLessThan(bound / 4);
      for (let i = 1; i < 12; i++) {
        await compiler.compile(chatty(String(i), 100));
        expect(compiler.cachedBytes).toBeLessThanOrEqual(bound);
      }
      const kept = compiler.cachedResults;
      expect(kept).toBeGreaterThan(3);
      expect(kept).toBeLessThan(12);
      await compiler.compile(chatty("11", 100)); // the latest is kept
      expect(compiler.cacheHits).toBe(1);
      await compiler.compile(chatty("0", 100)); // the oldest went first
      expect(compiler.cacheHits).toBe(1);
      // above a quarter of the bound: not kept, nor does it push out what is
      const before = compiler.cachedBytes;
      const large = await compiler.compile(chatty("large", 300));
      expect(large.diagnostics).toHaveLength(300);
      expect(compiler.cachedBytes).toBe(before);
      expect(compiler.cachedResults).toBe(kept);
      await compiler.compile(chatty("large", 300));
      expect(compiler.cacheHits).toBe(1);
    } finally {
      await compiler.close();
    }
    // by default 64 MiB, 16 MiB for one result: 14,000 diagnostics of 632 characters are not kept
    expect(compilerApi.DEFAULT_CACHE_BYTES).toBe(64 * 2 ** 20);
    const byDefault = worker.createBackgroundCompiler();
    try {
      const many = await byDefault.compile(chatty("many", 14_000));
      expect(many.diagnostics).toHaveLength(14_000);
      expect([byDefault.cachedResults, byDefault.cachedBytes]).toEqual([0, 0]);
      await byDefault.compile(chatty("few", 100));
      expect(byDefault.cachedResults).toBe(1);
      await byDefault.compile(chatty("many", 14_000));
      expect(byDefault.cacheHits).toBe(0);
    } finally {
      await byDefault.close();
    }
    for (const cacheBytes of [NaN, "abc", -1, 1.5, Infinity])
      expect(() => worker.createBackgroundCompiler({ cacheBytes: cacheBytes as number })).toThrow(
        new RangeError(`cacheBytes must be a whole number from 0 (no cache) to 9007199254740991, got ${typeof cacheBytes === "string" ? `"${cacheBytes}"` : cacheBytes}`),
      );
  }, 60_000);

  it("refuses, with a RangeError as for a value out of range, a name its options or its startup options do not have", () => {
    expect(() => worker.createBackgroundCompiler({ timeoutms: 5 } as never)).toThrow(new RangeError("createBackgroundCompiler: unknown option timeoutms (did you mean timeoutMs?)"));
    expect(() => worker.createBackgroundCompiler({ cacheSize: 1, limits: {} } as never)).toThrow(
      new RangeError("createBackgroundCompiler: unknown option limits (the options are resourceLimits, cacheSize, cacheBytes, timeoutMs)"),
    );
    expect(() => worker.createBackgroundCompiler({}, { delayMS: 5 } as never)).toThrow(new RangeError("createBackgroundCompiler's startup: unknown option delayMS (did you mean delayMs?)"));
    expect(() => worker.createBackgroundCompiler(null as never)).toThrow(new RangeError("createBackgroundCompiler: the options must be an object, got null"));
    // what a prototype holds is no option the host gave
    worker.createBackgroundCompiler(Object.create({ timeoutms: 5 }) as never).close();
  });

  it("refuses, with a RangeError as timeoutMs is refused, startup values setTimeout cannot wait for as given", () => {
    // each of these was taken, and every worker's start then timed out at once: every compile failed
    const whole = (name: string, min: number, got: string) => new RangeError(`startup.${name} must be a whole number of milliseconds from ${min} to 2147483647, got ${got}`);
    const refused: [WorkerModule.WorkerStartup, RangeError][] = [
      [{ timeoutMs: "abc" as never }, whole("timeoutMs", 1, '"abc"')],
      [{ timeoutMs: 0 }, whole("timeoutMs", 1, "0")],
      [{ timeoutMs: -5 }, whole("timeoutMs", 1, "-5")],
      [{ timeoutMs: Infinity }, whole("timeoutMs", 1, "Infinity")],
      [{ timeoutMs: 0.5 }, whole("timeoutMs", 1, "0.5")],
      [{ timeoutMs: 2 ** 31 }, whole("timeoutMs", 1, "2147483648")],
      [{ delayMs: "x" as never }, whole("delayMs", 0, '"x"')],
      [{ delayMs: -1 }, whole("delayMs", 0, "-1")],
      [{ delayMs: NaN }, whole("delayMs", 0, "NaN")],
      [{ delayMs: true as never }, whole("delayMs", 0, "boolean")],
    ];
    for (const [startup, e] of refused) expect(() => worker.createBackgroundCompiler({}, startup), JSON.stringify(startup)).toThrow(e);
    // the bounds themselves are taken (nothing is started until the first compile)
    void worker.createBackgroundCompiler({}, { delayMs: 0, timeoutMs: 1 }).close();
    void worker.createBackgroundCompiler({}, { delayMs: 2 ** 31 - 1, timeoutMs: 2 ** 31 - 1 }).close();
  });

  it("refuses a code range V8 would abort the host for, and a limit Node does not know", () => {
    for (const name of ["constructor", "toString", "__proto__"])
      expect(() => worker.createBackgroundCompiler({ resourceLimits: JSON.parse(`{"${name}": 64}`) as never }), name).toThrow(
        new RangeError(`resourceLimits: unknown option ${name} (the options are stackSizeMb, codeRangeSizeMb, maxOldGenerationSizeMb, maxYoungGenerationSizeMb)`),
      );
    for (const codeRangeSizeMb of [1, 2, 1e9, Infinity, NaN])
      expect(() => worker.createBackgroundCompiler({ resourceLimits: { codeRangeSizeMb } }), String(codeRangeSizeMb)).toThrow(/resourceLimits.codeRangeSizeMb must be from 16 to 1024/);
    expect(() => worker.createBackgroundCompiler({ resourceLimits: { maxOldGenerationSizeMB: 64 } as never })).toThrow(new RangeError("resourceLimits: unknown option maxOldGenerationSizeMB (did you mean maxOldGenerationSizeMb?)"));
    expect(() => worker.createBackgroundCompiler({ resourceLimits: { maxOldGenerationSizeMb: 0 } })).toThrow(/maxOldGenerationSizeMb must be from above 0/);
  });

  it("outlives a worker given the largest stack it accepts: its compile fails or runs, the host goes on", () => {
    const script = `import { createBackgroundCompiler, MAX_WORKER_STACK_MB } from ${JSON.stringify(pathToFileURL(join(build, "compiler/worker.js")).href)};
const c = createBackgroundCompiler({ resourceLimits: { stackSizeMb: MAX_WORKER_STACK_MB } });
console.log(await c.compile("policy", { stopAfter: "parse" }).then(() => "compiled", (e) => e.message));
await c.close();
console.log("alive");`;
    const file = join(build, "largest-stack.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { timeout: 30_000, encoding: "utf8" });
    // no room for such a stack here; a system that lends it lazily runs the compile. Where it cannot
    // start, the stack size given is named as the likely cause
    expect(child.stdout).toMatch(/^(compiled|the compile worker could not start: .+ \(resourceLimits\.stackSizeMb is \d+ MB: a thread with a stack that large may not be made here\))\nalive\n$/);
    expect(child.status).toBe(0);
  }, 40_000);

  it("lets the process exit after a compile whose options were refused", async () => {
    const script = `import { createBackgroundCompiler } from ${JSON.stringify(pathToFileURL(join(build, "compiler/worker.js")).href)};
const c = createBackgroundCompiler();
await c.compile("x", { optimize: () => true }).catch((e) => console.log("refused: " + e.message));`;
    const file = join(build, "exit-after-refusal.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { timeout: 20_000, encoding: "utf8" });
    expect(child.stdout).toMatch(/refused: options.optimize must be a boolean, got function/);
    expect(child.signal).toBeNull(); // not killed by the timeout: it exited on its own
    expect(child.status).toBe(0);
  }, 30_000);

  it("lets the process exit after a compile without close(): an idle worker does not keep it alive", async () => {
    const script = `import { createBackgroundCompiler } from ${JSON.stringify(pathToFileURL(join(build, "compiler/worker.js")).href)};
const c = createBackgroundCompiler();
const r = await c.compile(${JSON.stringify(source)});
console.log(r.bundle ? "compiled" : "no bundle");`;
    const file = join(build, "exit-after-compile.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { timeout: 60_000, encoding: "utf8" });
    expect(child.stdout).toBe("compiled\n");
    expect(child.signal).toBeNull(); // not killed by the timeout: it exited on its own
    expect(child.status).toBe(0);
  }, 90_000);

  it("refuses options that are not of their types, and everything after close", async () => {
    const compiler = worker.createBackgroundCompiler();
    await expect(compiler.compile(source, { optimize: (() => true) as unknown as boolean })).rejects.toThrow("options.optimize must be a boolean, got function");
    await compiler.close();
    await expect(compiler.compile(source)).rejects.toThrow("background compiler closed");
  }, 60_000);

  it("compiles with the options as they were when compile was called, whatever the caller does with them after", async () => {
    // worst case 10^12: over the default budget (W0503), within 10^15
    const expensive = `policy "p" version "1.0.0"
input { a: { xs: list<string(1000)>(1000), ys: list<string(1000)>(1000) } }
permit r when a.xs.exists(x, a.ys.exists(y, x.contains(y)))
`;
    const compiler = worker.createBackgroundCompiler();
    try {
      // the first compile keeps the worker busy, so the second waits in the queue while its caller
      // raises the budget in the object it passed: it used to be sent with the raised budget, and
      // its result cached under the default one, served to the next caller with the default budget
      const options: { stopAfter: "cost"; maxCost?: number } = { stopAfter: "cost" };
      const busy = compiler.compile(source, options);
      const queued = compiler.compile(expensive, options);
      options.maxCost = 1e15;
      await busy;
      expect((await queued).diagnostics.map((d) => d.code)).toEqual(["W0503"]);
      expect((await compiler.compile(expensive, { stopAfter: "cost" })).diagnostics.map((d) => d.code)).toEqual(["W0503"]);
      expect((await compiler.compile(expensive, { stopAfter: "cost", maxCost: 1e15 })).diagnostics).toEqual([]);

      // one object reused for a loop of files: each compile names its own file
      const files = { "a.writ": `${source}\npermit r1 when payment.nope == 1\n`, "b.writ": `${source}\npermit r2 when payment.nada == 1\n` };
      const reused: { stopAfter: "check"; fileName?: string } = { stopAfter: "check" };
      const results = Object.entries(files).map(([name, text]) => {
        reused.fileName = name;
        return compiler.compile(text, reused);
      });
      const named = (await Promise.all(results)).map((r) => r.diagnostics.map((d) => d.file));
      expect(named).toEqual([["a.writ"], ["b.writ"]]);
      expect((await compiler.compile(files["a.writ"], { stopAfter: "check", fileName: "a.writ" })).diagnostics.map((d) => d.file)).toEqual(["a.writ"]);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("answers any options with a promise: never a throw", async () => {
    const compiler = worker.createBackgroundCompiler();
    try {
      const cyclic: Record<string, unknown> = { stopAfter: "check" };
      cyclic.self = cyclic; // used to overflow the stack while the cache key was made, thrown at the caller; now a name no compile has
      const throwingGetter = Object.defineProperty({}, "maxCost", {
        get() {
          throw new Error("no budget today");
        },
      });
      const throwingProxy = new Proxy({}, { get: () => { throw "not even an Error"; } });
      const refusals: [unknown, string][] = [
        [cyclic, "unknown option self (the options are fileName, optimize, maxCost, stopAfter)"],
        [{ maxcost: 1 }, "unknown option maxcost (did you mean maxCost?)"],
        [null, "the compile options must be an object, got null"],
        [5, "the compile options must be an object, got 5"],
        ["check", 'the compile options must be an object, got "check"'],
        [throwingGetter, "options.maxCost could not be read: no budget today"],
        [throwingProxy, "options.fileName could not be read: not even an Error"],
        [{ fileName: 7 }, "options.fileName must be a string, got 7"],
        [{ maxCost: "1e15" }, 'options.maxCost must be a whole number from 1 to 9007199254740991, got "1e15"'],
        [{ stopAfter: "lunch" }, 'options.stopAfter must be one of parse, check, cost, plan, codegen, validate, got "lunch"'],
      ];
      const answers = [{ stopAfter: "check" }, ...refusals.map(([options]) => options)].map((options) => {
        let answer: Promise<WorkerModule.CompiledInWorker> | undefined;
        expect(() => (answer = compiler.compile(source, options as Options))).not.toThrow();
        return answer!;
      });
      const [compiled, ...refused] = await Promise.allSettled(answers);
      expect(compiled).toMatchObject({ status: "fulfilled", value: { diagnostics: [] } });
      expect(refused.map((r) => r.status === "rejected" && (r.reason as Error).message)).toEqual(refusals.map(([, message]) => message));
      // a name no compile has is refused as compilePolicy refuses it: a TypeError
      expect(refused.slice(0, 2).map((r) => r.status === "rejected" && (r.reason as Error).constructor.name)).toEqual(["TypeError", "TypeError"]);
      expect(compiler.cacheHits).toBe(0);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("replaces a worker that could not load asc, saying why in one line, and loads it again for the next compile", async () => {
    // a shortage of file descriptors while the worker loaded asc left it unable to compile for good:
    // every later compile, of any source, was an internal error W0901 (a stack trace in its message),
    // cached as a result
    const link = join(build, "node_modules", "assemblyscript");
    const compiler = worker.createBackgroundCompiler();
    try {
      rmSync(link);
      let refusal: unknown;
      try {
        await compiler.compile(source, { optimize: false });
      } catch (e) {
        refusal = e;
      } finally {
        symlinkSync(join(repositoryRoot, "node_modules", "assemblyscript"), link);
      }
      expect(refusal).toBeInstanceOf(Error);
      expect((refusal as Error).message).toMatch(
        /^the compile worker could not start: the AssemblyScript compiler could not be loaded: Cannot find package 'assemblyscript' imported from \S+ \(ERR_MODULE_NOT_FOUND\); the compile did not run$/,
      );
      for (const text of [source, `${source}\n// another`]) {
        const compiled = await compiler.compile(text, { optimize: false });
        expect(compiled.diagnostics).toEqual([]);
        expect(compiled.bundle).toBeDefined();
      }
      expect(compiler.cacheHits).toBe(0);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("keeps no result that is the compiler's fault: the same compile runs again, on a new worker", async () => {
    // the support library asc compiles with every policy, broken: asc fails, W0901
    const library = join(build, "assembly", "writ.ts");
    const intact = readFileSync(library, "utf8");
    const compiler = worker.createBackgroundCompiler();
    try {
      appendFileSync(library, "\nexport function broken(: i32 {\n");
      let faulty: WorkerModule.CompiledInWorker;
      try {
        faulty = await compiler.compile(source, { optimize: false });
      } finally {
        writeFileSync(library, intact);
      }
      expect(faulty.diagnostics.map((d) => d.code)).toEqual(["W0901"]);
      const again = await compiler.compile(source, { optimize: false });
      expect(again.diagnostics).toEqual([]);
      expect(compiler.cacheHits).toBe(0);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("answers a text longer than the parser takes with compilePolicy's W0114, unhashed and not sent to the worker", async () => {
    // 200,000,000 characters held the host's thread 4.3 s (JSON, SHA3-512, the copy to the worker);
    // 100,000,000 × U+0001 rejected with a bare RangeError: its JSON was longer than V8's longest string
    const compiler = worker.createBackgroundCompiler({}, { delayMs: 10_000, timeoutMs: 300 }); // a text sent to its worker fails
    try {
      for (const text of ["\u0001".repeat(100_000_000), "a".repeat(MAX_SOURCE_LENGTH + 1)]) {
        const inThread = await compilePolicy(text, { fileName: "large.writ" });
        expect(inThread.diagnostics.map((d) => d.code)).toEqual(["W0114"]);
        expect(await compiler.compile(text, { fileName: "large.writ" })).toEqual({ bundle: undefined, diagnostics: inThread.diagnostics });
      }
      expect(compiler.cacheHits).toBe(0);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("keys a compile whatever the length of its file name", async () => {
    // as JSON (6 characters each) this name was longer than V8's longest string: a bare RangeError
    const fileName = "\u0001".repeat(90_000_000);
    const text = `policy "p" version "1.0.0"\ninput { a: { n: int } }\npermit r when a.n == 1\n`;
    const compiler = worker.createBackgroundCompiler();
    try {
      expect((await compiler.compile(text, { stopAfter: "parse", fileName })).diagnostics).toEqual([]);
      await compiler.compile(text, { stopAfter: "parse", fileName });
      await compiler.compile(text, { stopAfter: "parse", fileName: `${fileName}\u0001` });
      expect(compiler.cacheHits).toBe(1);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  /** A policy of `rules` rules, each with an unknown name (W0204): a diagnostic each, and nothing compiled. */
  const unknownNames = (rules: number): string => {
    let text = `policy "t" version "1.0.0"\ninput { a: int }\n`;
    for (let i = 0; i < rules; i++) text += `permit r${i} when nope${i} > 1\n`;
    return text;
  };

  it("sends its reply without the file name: copied into each diagnostic, a long name made the reply too large for the host", async () => {
    // v8.serialize copies a string wherever it is reached, as postMessage did: before, 100 copies of
    // the name, 10,000,000 bytes; now none
    const fileName = `${"p".repeat(100_000)}.writ`;
    const thread = new Worker(join(build, "compiler/worker.js"), { workerData: { writCompileWorker: true, startupDelayMs: 0 } });
    try {
      const messages: unknown[] = [];
      const next = (): Promise<unknown> =>
        new Promise((resolve, reject) => {
          thread.once("message", resolve);
          thread.once("error", reject);
        });
      messages.push(await next());
      expect(messages[0]).toEqual({ ready: true });
      const replied = next();
      thread.postMessage({ id: 0, text: unknownNames(100), options: { fileName } });
      const reply = (await replied) as WorkerModule.Reply;
      expect(reply.ok && reply.result.diagnostics.map((d) => d.code)).toEqual(Array<string>(100).fill("W0204"));
      expect(serialize(reply).length).toBeLessThan(fileName.length);
    } finally {
      await thread.terminate();
    }
  }, 60_000);

  it("loads every module a compile needs before it says it is ready: a compile, which may be stopped at its time limit, reads none", async () => {
    // A worker terminated while reading a module (its first compile timed out while importing the
    // backend) left a file descriptor open in the host for good, about one every other compile
    // stopped at 50 ms. Counting descriptors over timed-out compiles depends on when the limit lands
    // and takes a worker's start (about 1 s) per compile; what the leak needs, a module read during a
    // compile, is seen here instead: a loader hook in the worker writes down each module it loads.
    const hooks = tempDir("bg-loads");
    const loaded = join(hooks, "loaded.txt");
    writeFileSync(loaded, "");
    writeFileSync(
      join(hooks, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(loaded)}, url + "\\n"); return next(url, context); }\n`,
    );
    writeFileSync(join(hooks, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(hooks, "hooks.mjs")).href)});\n`);
    const thread = new Worker(join(build, "compiler/worker.js"), {
      workerData: { writCompileWorker: true, startupDelayMs: 0 },
      execArgv: ["--import", pathToFileURL(join(hooks, "register.mjs")).href],
    });
    try {
      const next = (): Promise<unknown> =>
        new Promise((resolve, reject) => {
          thread.once("message", resolve);
          thread.once("error", reject);
        });
      expect(await next()).toEqual({ ready: true });
      const atReady = readFileSync(loaded, "utf8");
      // (the hook sees the worker's loads: the backend's among them, loaded before it said so)
      expect(atReady).toContain(pathToFileURL(join(build, "compiler/backend/index.js")).href);
      const replied = next();
      thread.postMessage({ id: 0, text: source, options: {} });
      const reply = (await replied) as WorkerModule.Reply;
      expect(reply.ok && reply.result.bundle !== undefined).toBe(true);
      // the whole compile, through codegen and asc, loaded no module
      expect(readFileSync(loaded, "utf8").slice(atReady.length)).toBe("");
    } finally {
      await thread.terminate();
    }
  }, 60_000);

  it("gives each caller compilePolicy's diagnostics, its own copy, the file name cached and counted once", async () => {
    const fileName = `${"p".repeat(100_000)}.writ`;
    const text = unknownNames(100);
    const compiler = worker.createBackgroundCompiler();
    try {
      const first = await compiler.compile(text, { fileName });
      const direct = (await compilePolicy(text, { fileName })).diagnostics;
      expect(first.diagnostics).toStrictEqual(direct);
      // the members in compilePolicy's order too: `file` last
      expect(first.diagnostics.map((d) => Object.keys(d))).toEqual(direct.map((d) => Object.keys(d)));
      (first.diagnostics[0] as { file: string }).file = "changed by the first caller";
      (first.diagnostics[1]!.span as { start: number }).start = -1;
      const second = await compiler.compile(text, { fileName });
      expect(compiler.cacheHits).toBe(1);
      expect(second.diagnostics).toStrictEqual(direct);
      // kept, with the name's 2 bytes a character counted once: 100 copies were 20,000,000 bytes,
      // above a quarter of cacheBytes, and the result was not kept at all
      expect(compiler.cachedResults).toBe(1);
      expect(compiler.cachedBytes).toBeGreaterThan(2 * fileName.length);
      expect(compiler.cachedBytes).toBeLessThan(2 * 2 * fileName.length);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("takes in a reply of many diagnostics of a long file name within a small heap, where each copied the name", () => {
    // 200 diagnostics of a name of 1,000,000 characters: 200,000,000 bytes of names in the reply, and
    // as many in each caller's copy, aborted a host of a 64 MB heap (out of memory, signal SIGABRT)
    const script = `import { createBackgroundCompiler } from ${JSON.stringify(pathToFileURL(join(build, "compiler/worker.js")).href)};
let text = 'policy "t" version "1.0.0"\\ninput { a: int }\\n';
for (let i = 0; i < 200; i++) text += "permit r" + i + " when nope" + i + " > 1\\n";
const fileName = "p".repeat(1_000_000) + ".writ";
const c = createBackgroundCompiler({ resourceLimits: { maxOldGenerationSizeMb: 256 } });
const first = await c.compile(text, { fileName });
const second = await c.compile(text, { fileName });
console.log(first.diagnostics.length, second.diagnostics.filter((d) => d.file === fileName).length, c.cacheHits);
await c.close();`;
    const file = join(build, "long-file-name.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, ["--max-old-space-size=64", file], { timeout: 60_000, encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.stdout).toBe("200 200 1\n");
    expect(child.status).toBe(0);
  }, 90_000);

  it("sends the compile's own file name as a marker, and puts back the name it is given in its place", () => {
    const span = { start: 0, end: 1 };
    const diagnostics = [
      { code: "W0204", severity: "error", message: "m", span, help: "h", file: "p.writ" },
      { code: "W0204", severity: "error", message: "m", span, file: "other.writ" },
      { code: "W0204", severity: "error", message: "m", span },
    ] as const;
    const sent = sentDiagnostics(diagnostics, "p.writ");
    expect(sent.map((d) => d.file)).toEqual([null, "other.writ", undefined]);
    expect("file" in sent[2]!).toBe(false);
    const back = diagnosticsFor(sent, "p.writ");
    expect(back).toStrictEqual(diagnostics);
    expect(back.map((d) => Object.keys(d))).toEqual(diagnostics.map((d) => Object.keys(d)));
    expect(back[0]!.span).not.toBe(span);
  });

  it("refuses options the worker refuses with the class of error compilePolicy throws", async () => {
    const text = `policy "p" version "1.0.0"\ninput { a: { n: int } }\npermit r when a.n == 1\n`;
    const compiler = worker.createBackgroundCompiler();
    try {
      for (const maxCost of [NaN, -1, 0]) {
        const inThread = await compilePolicy(text, { maxCost }).catch((e: unknown) => e);
        expect(inThread).toBeInstanceOf(RangeError);
        const refused = await compiler.compile(text, { maxCost }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RangeError);
        expect((refused as Error).message).toBe((inThread as Error).message);
      }
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("answers a host whose prototypes carry a planted property with compilePolicy's W0904, uncached; reads its own options as the host's object holds them", async () => {
    // over the default budget: a planted `maxCost` let compilePolicy compile it, where the worker refused it
    const big = 'policy "big" version "1"\ninput { l: list<string(4096)>(64), t: string(4096) }\npermit p when l.exists(x, x.contains(t))\n';
    /** `f` called with `key` planted on Object.prototype, removed before the test runner runs again */
    const planted = <T>(key: string, value: unknown, enumerable: boolean, f: () => T): T => {
      Object.defineProperty(Object.prototype, key, { value, enumerable, configurable: true, writable: true });
      try {
        return f();
      } finally {
        delete (Object.prototype as Record<string, unknown>)[key];
      }
    };
    // options left out are the defaults, never Object.prototype's: these were taken, and refused
    for (const [key, value] of [["cacheSize", -1], ["timeoutMs", 0], ["resourceLimits", { stackSizeMb: 0 }]] as const)
      expect(() => planted(key, value, false, () => void worker.createBackgroundCompiler().close())).not.toThrow();
    // a planted `timeoutMs: 1` (the compile's and the start's) stopped every compile
    const compiler = planted("timeoutMs", 1, false, () => worker.createBackgroundCompiler());
    try {
      const [inThread, background] = planted("maxCost", 2 ** 53 - 1, true, () => [compilePolicy(big, { fileName: "big.writ" }), compiler.compile(big, { fileName: "big.writ" })]);
      const refused = await background;
      expect(refused.bundle).toBeUndefined();
      expect(refused.diagnostics.map((d) => d.code)).toEqual(["W0904"]);
      expect(refused.diagnostics).toEqual((await inThread).diagnostics);
      expect(refused.diagnostics[0]!.message).toMatch(/^Object\.prototype carries the enumerable property `maxCost` \(prototype pollution\)/);
      // once it is gone: the budget's W0503 from both, the refusal not kept
      const clean = await compiler.compile(big, { fileName: "big.writ" });
      expect(clean.diagnostics.map((d) => d.code)).toEqual(["W0503"]);
      expect(clean.diagnostics).toEqual((await compilePolicy(big, { fileName: "big.writ" })).diagnostics);
      expect(compiler.cacheHits).toBe(0);
    } finally {
      await compiler.close();
    }
  }, 60_000);

  it("exports from writ/compiler the bounds its options are checked against", () => {
    expect({
      MIN_WORKER_STACK_MB: compilerApi.MIN_WORKER_STACK_MB,
      MAX_WORKER_STACK_MB: compilerApi.MAX_WORKER_STACK_MB,
      MIN_WORKER_CODE_RANGE_MB: compilerApi.MIN_WORKER_CODE_RANGE_MB,
      MAX_WORKER_CODE_RANGE_MB: compilerApi.MAX_WORKER_CODE_RANGE_MB,
      STARTUP_TIMEOUT_MS: compilerApi.STARTUP_TIMEOUT_MS,
    }).toEqual({ MIN_WORKER_STACK_MB: 1, MAX_WORKER_STACK_MB: 2 ** 20, MIN_WORKER_CODE_RANGE_MB: 16, MAX_WORKER_CODE_RANGE_MB: 1024, STARTUP_TIMEOUT_MS: 60_000 });
    const { MIN_WORKER_STACK_MB, MAX_WORKER_STACK_MB, MIN_WORKER_CODE_RANGE_MB, MAX_WORKER_CODE_RANGE_MB } = compilerApi;
    for (const resourceLimits of [
      { stackSizeMb: MIN_WORKER_STACK_MB / 2 },
      { stackSizeMb: MAX_WORKER_STACK_MB * 2 },
      { codeRangeSizeMb: MIN_WORKER_CODE_RANGE_MB / 2 },
      { codeRangeSizeMb: MAX_WORKER_CODE_RANGE_MB * 2 },
    ])
      expect(() => compilerApi.createBackgroundCompiler({ resourceLimits })).toThrow(RangeError);
  });
});
