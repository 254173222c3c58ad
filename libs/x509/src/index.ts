export { createCertificate, type CertificateOptions } from './certificate.builder.js';
