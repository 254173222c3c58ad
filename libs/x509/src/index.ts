export { createCertificate, type CertificateExtensionSpec, type CertificateOptions } from './certificate.builder.js';
export {
  ExtensionOid,
  KEY_USAGE_BITS,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  readCertificate,
  type BasicConstraints,
  type CertificateExtension,
  type CertificateInfo,
  type KeyUsage,
} from './certificate.reader.js';
export { checkCertificatePath, type PathCertificate, type PathCheckOptions } from './certificate.path.js';
export { checkChainToAnchors, type ChainAnchors } from './chain.anchor.js';
export { X509Error, type X509ErrorCode } from './x509.error.js';
export { checkChainLinks, checkValidity, isValidAt, readChain, verifyChain, type VerifiedChain } from './certificate.chain.js';
