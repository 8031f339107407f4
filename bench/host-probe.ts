// How fast the host runs right now: one SHA3-512 of 1.4 KB (node:crypto), the median of 2,000 after
// 200 warm-up calls. The project's VM shares its host, which switches between a fast and a slow phase
// lasting seconds to minutes (about 7 µs against 11–16 µs here), and everything in a run slows
// together; a probe taken beside a block of figures says which phase they were measured in.

import { sha3_512Hex } from "../runtime/crypto/digest.js";

const PROBE_TEXT = "x".repeat(1400);

export function hostProbeUs(): number {
  for (let i = 0; i < 200; i++) sha3_512Hex(PROBE_TEXT, "native");
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = process.hrtime.bigint();
    sha3_512Hex(PROBE_TEXT, "native");
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}
