/** Typed, coded errors of the X.509 reader and path checks: callers switch on `code`, never on text. */
export type X509ErrorCode =
  /** the bytes are not the DER a certificate (or one of its extensions) must be */
  | 'ERR_X509_MALFORMED'
  /** path check: a chain certificate (or its extensions) could not be read */
  | 'ERR_X5CHAIN_FORMAT'
  /** path check: an issuing certificate lacks basicConstraints cA=true */
  | 'ERR_X5CHAIN_NOT_CA'
  /** path check: the leaf is a CA certificate */
  | 'ERR_X5CHAIN_LEAF_CA'
  /** path check: keyUsage forbids the certificate's role (digitalSignature on the leaf, keyCertSign on issuers) */
  | 'ERR_X5CHAIN_KEY_USAGE'
  /** path check: more intermediates below a CA than its pathLenConstraint allows */
  | 'ERR_X5CHAIN_PATH_LEN'
  /** path check: a critical extension this library does not process */
  | 'ERR_X5CHAIN_CRITICAL_EXTENSION'
  /** path check: nameConstraints, which this library does not process */
  | 'ERR_X5CHAIN_NAME_CONSTRAINTS'
  /** chain check: a certificate is not valid at the time asked (expired, or not yet valid) */
  | 'ERR_X5CHAIN_EXPIRED'
  /** chain check: a certificate is not issued (name and signature) by the next one in the chain */
  | 'ERR_X5CHAIN_BROKEN';

export class X509Error extends Error {
  /** the position in the chain (0 = leaf) of the certificate at fault, when there is one */
  readonly index: number | undefined;

  constructor(
    readonly code: X509ErrorCode,
    message: string,
    options: { cause?: unknown; index?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'X509Error';
    this.index = options.index;
  }
}
