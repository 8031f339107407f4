// How fast the host runs right now: one SHA3-512 of 1.4 KB (node:crypto), the median of 2,000 after
// 200 warm-up calls. The project's VM shares its host, which switches between a fast and a slow phase
// lasting seconds to minutes (about 7 µs against 11–16 µs here), and everything in a run slows
// together; a probe taken beside a block of figures says which phase they were measured in.

import { sha3_512Hex } from "../runtime/crypto/digest.js";
import { quantile } from "./harness.js";

const PROBE_TEXT = "x".repeat(1400);

export function hostProbeUs(): number {
  for (let i = 0; i < 200; i++) sha3_512Hex(PROBE_TEXT, "native");
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = process.hrtime.bigint();
    sha3_512Hex(PROBE_TEXT, "native");
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return quantile(times, 0.5);
}

export interface QuietStart {
  /** the probe time under which the host counts as quiet (µs) */
  readonly thresholdUs: number;
  readonly waitedSeconds: number;
  /** false when no quiet moment came within the wait allowed, and the run started anyway */
  readonly found: boolean;
}

/**
 * Waits until two probes in a row take less than `thresholdUs` (checking every `everySeconds`), for
 * at most `maxSeconds`: a run that starts on a quiet host has the better chance of staying in one
 * phase. Says what it sees on `log`.
 */
export async function waitForQuietHost(thresholdUs: number, log: (line: string) => void, maxSeconds = 900, everySeconds = 10): Promise<QuietStart> {
  const started = performance.now();
  const waited = () => (performance.now() - started) / 1000;
  for (;;) {
    const first = hostProbeUs();
    const second = first < thresholdUs ? hostProbeUs() : Infinity;
    if (second < thresholdUs) {
      log(`host quiet: probes ${first.toFixed(2)} and ${second.toFixed(2)} µs, under ${thresholdUs} µs, after ${waited().toFixed(0)} s`);
      return { thresholdUs, waitedSeconds: waited(), found: true };
    }
    if (waited() + everySeconds > maxSeconds) {
      log(`the host was not quiet (under ${thresholdUs} µs twice in a row) within ${maxSeconds} s; starting anyway`);
      return { thresholdUs, waitedSeconds: waited(), found: false };
    }
    log(`waiting for a quiet host: probe ${first.toFixed(2)} µs${Number.isFinite(second) ? `, then ${second.toFixed(2)} µs` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everySeconds * 1000));
  }
}

/**
 * The µs of a `--when-quiet=µs` option (`npm run bench`, budget.js), or a message saying what is
 * wrong with it. Decimal only, above 0 and under a second: Number() would also read `0x10` as 16,
 * `1e1`, ` 8` and `` (as 0), and `8us` as NaN, under which no probe counts as quiet and the tool
 * waits its whole 15 minutes.
 */
export function parseWhenQuiet(text: string): number | string {
  const us = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(us > 0 && us < 1e6)) return `--when-quiet needs a probe time in µs, e.g. --when-quiet=8, got \`${text}\``;
  return us;
}
