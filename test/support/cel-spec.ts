// Where the CEL conformance files are: `../shared/cel-spec/testdata` beside the repository when it
// is there (the referee as handed to the project), else the copy kept in test/cel-spec/testdata.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function celSpecTestdata(): string {
  const shared = fileURLToPath(new URL("../../../shared/cel-spec/testdata/", import.meta.url));
  return existsSync(shared) ? shared : fileURLToPath(new URL("../cel-spec/testdata/", import.meta.url));
}
