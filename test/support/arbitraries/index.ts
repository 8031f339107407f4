// Generators for the proof properties (docs/proof.md): random schemas, well-typed policies as Writ
// text, batches of policies sharing one compile, valid and mutated requests, hostile inputs, and the
// replay parameters (WRIT_SEED / WRIT_PATH / WRIT_RUNS) every property reads.

export { Draw, type Gen } from "./draw.js";
export { drawSchema, drawType, typeToWrit, recordFieldsToWrit, containsRecord, type SchemaOptions } from "./schema.js";
export { STRING_POOL, KEY_POOL, IDENT_KEYS, EDGE_INTS, drawIntValue, drawStringValue, intLiteral, stringLiteral } from "./literals.js";
export { expr, literal, inputEnv, termsOf, sameType, type Env, type Term } from "./expressions.js";
export { drawValue, drawRequest, drawMutatedRequest, drawMutation, type MutatedRequest } from "./requests.js";
export {
  drawPolicy,
  drawBatch,
  drawBatchRequest,
  drawBatchMutation,
  policyToWrit,
  policyArb,
  type GenPolicy,
  type GenRule,
  type GenConstant,
  type Batch,
  type PolicyOptions,
} from "./policies.js";
export { checkProperty, propertyParameters, replayEnv, replayCommand, type ReplayEnv } from "./replay.js";
