export * from './events.js';
export * from './base64url.js';
export * from './policy.js';
export * from './admission.js';
export * from './revocation.js';
export * from './log.decider.js';
export * from './supersession.js';
export * from './precedence.js';
