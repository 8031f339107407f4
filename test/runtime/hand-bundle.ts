// Bundles of hand-made decision modules (test/support/wasm-builder.ts) with a one-rule manifest
// (`ok`, a permit, over `{ n: int }`) that the module names in its `writ.manifest` section, as
// compiled modules do: they load with `allowUnsigned` or signed, and report whatever regions a test
// gives them.

import { digestPair } from "../../runtime/crypto/digest.js";
import { ABI_VERSION, MANIFEST_FORMAT, type Bundle, type Manifest } from "../../runtime/manifest.js";
import { manifestBinding, withManifestSection } from "../../runtime/manifest-binding.js";
import { ModuleBuilder, op } from "../support/wasm-builder.js";

export const PAGE = 65536;
/** the manifest's one rule: a result region of 12 + 16 bytes */
export const RESULT_BYTES = 28;

export interface HandModule {
  readonly input?: number;
  readonly inputSize?: number;
  readonly result?: number;
  /** allow by `ok` (the result region says so), else deny with no rule (all zero) */
  readonly allow?: boolean;
  /** where `writ_constants` says the constant pool is (no such export by default) */
  readonly constants?: number;
  /** data segments: bytes at an address */
  readonly data?: readonly (readonly [number, Uint8Array])[];
  /** adds to the module after the ABI's functions (more functions, say) */
  readonly extra?: (b: ModuleBuilder) => void;
}

const manifestOf = (): Omit<Manifest, "digests"> =>
  ({
    format: MANIFEST_FORMAT,
    name: "hand",
    version: "1",
    compiler: { name: "writ", version: "test", optimize: false },
    abiVersion: ABI_VERSION,
    schema: { kind: "record", fields: [{ name: "n", type: { kind: "int" }, optional: false }] },
    layout: { abi: 1, strings: [], root: { kind: "record", size: 8, fields: [{ name: "n", offset: 0, presence: -1, type: { kind: "int" } }] }, inputSize: 8 },
    rules: [{ name: "ok", effect: "permit", annotations: {}, line: 1, column: 1 }],
    errorSites: {},
    costBound: 0,
    memoryPages: 1,
    sourceDigest: "00".repeat(64),
  }) as unknown as Omit<Manifest, "digests">;

/** An unsigned bundle of a module reporting these regions (by default apart, inside its one page). */
export function handBundle({ input = 1024, inputSize = 64, result = 4096, allow = false, constants, data = [], extra }: HandModule = {}): Bundle {
  const b = new ModuleBuilder();
  b.memory(1, 1);
  b.export("memory", "memory", 0);
  b.func({ results: ["i32"], body: op.i32Const(1), export: "writ_abi_version" });
  b.func({ results: ["i32"], body: op.i32Const(input | 0), export: "writ_input_ptr" });
  b.func({ results: ["i32"], body: op.i32Const(inputSize | 0), export: "writ_input_size" });
  b.func({ results: ["i32"], body: op.i32Const(result | 0), export: "writ_result_ptr" });
  if (constants !== undefined) b.func({ results: ["i32"], body: op.i32Const(constants | 0), export: "writ_constants" });
  // an allow writes its result as a compiled module does (decision 1, one deciding rule, no errors,
  // rule 0: the zero words are zero already); a data segment there would be refused, as static data
  const store = (offset: number, word: number) => [...op.i32Const(result | 0), ...op.i32Const(word), op.i32_store, ...op.mem(2, offset)];
  const evaluate = allow ? [...store(0, 1), ...store(4, 1), ...op.i32Const(1)] : op.i32Const(0);
  b.func({ results: ["i32"], body: evaluate, export: "writ_evaluate" });
  for (const [at, bytes] of data) b.data(at, bytes);
  extra?.(b);
  const unbound = manifestOf();
  const binding = manifestBinding(unbound);
  if (!binding.ok) throw new Error(binding.reason);
  const module = withManifestSection(b.build(), binding.sha3_512);
  return { module, manifest: { ...unbound, digests: digestPair(module) } as Manifest };
}
