// A real compiled bundle, for tests of the commands that load one (`writ replay`, `writ eval`, and
// `writ sign` and `writ verify <bundle>`, which load a bundle before vouching for it): the arbitrary
// module bytes of fake-policy.ts have the right digests but are no module, and do not load.

import { compilePolicy } from "../../compiler/index.js";
import type { Bundle } from "../../runtime/manifest.js";

/** permit `admin` when role is "admin"; forbid `too_much` when amount > 1000 (fake-policy.ts's rules) */
function source(name: string, version: string): string {
  return `policy "${name}" version "${version}"

input {
  principal: { role: string }
  amount: int
}

forbid too_much when amount > 1000

permit admin when principal.role == "admin"
`;
}

/** The bundle of a two-rule policy named `name`, compiled (a second or so). */
export async function compiledBundle(name = "payments", version = "1.0.0"): Promise<Bundle> {
  const result = await compilePolicy(source(name, version), { fileName: `${name}.writ` });
  if (!result.bundle) throw new Error(`the test policy did not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.bundle;
}
