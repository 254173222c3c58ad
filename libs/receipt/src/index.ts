/**
 * @module libs/receipt — RFC 9942 COSE Receipts and RFC 9943 transparent statements: issue and
 * verify offline (pure library: no Node I/O, no Buffer; usable by the service, the CLI, auditors
 * and browsers). The wire format and the verification steps are in docs/receipts.md.
 */
export { ReceiptError, ReceiptErrorCode, type ReceiptErrorCodeValue } from './receipt.errors.js';
export { toEntry, entryIdOf, statementIdOf, type Sha256, type ToEntryOptions } from './entry.codec.js';
export {
  VDS_RFC9162_SHA256,
  checkpointProtectedHeader,
  checkpointToBeSigned,
  signCheckpoint,
  type CheckpointHeaderFields,
  type SignCheckpointInput,
} from './checkpoint.signer.js';
export {
  ProofType,
  encodeInclusionReceipt,
  encodeInclusionReceipts,
  encodeConsistencyReceipt,
  decodeReceipt,
  type DecodedReceipt,
  type InclusionProof,
  type ConsistencyProof,
} from './receipt.codec.js';
export { rootFromConsistencyProof } from '../../merkle/src/index.js';
export { toTransparentStatement, splitTransparentStatement } from './transparent-statement.codec.js';
export {
  verifyReceipt,
  verifyConsistencyReceipt,
  verifyDecodedReceipt,
  resolveServiceKey,
  type ServiceKeys,
  type VerifyReceiptOptions,
  type VerifyConsistencyOptions,
  type VerifiedReceipt,
  type VerifiedConsistency,
} from './receipt.verifier.js';
export {
  verifyTransparentStatement,
  type VerifyTransparentStatementOptions,
  type VerifiedTransparentStatement,
} from './transparent-statement.verifier.js';
export {
  STATUS_CONTENT_TYPE,
  MEDIA_TYPE_SCITT_STATUS,
  encodeStatusPayload,
  statusProtectedHeader,
  signStatusStatement,
  type StatusEntry,
  type StatusContent,
  type SignStatusInput,
} from './status-statement.codec.js';
export { verifyStatusStatement, StatusError, StatusErrorCode, type VerifiedStatus, type VerifyStatusOptions } from './status-statement.verifier.js';
