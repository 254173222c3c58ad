/**
 * Wiring: the {@link AccessGate} is built by the composition root before Nest starts (so a bad
 * tokens file, JWKS file or policy binding stops the start with one clear line); its `hook` goes
 * on Fastify's `onRequest`, and the global {@link AuthGuard} (app.module.ts) gets it from DI.
 */
import { Logger, type Provider } from '@nestjs/common';
import type { RegistrationPolicy } from '../../libs/ledger/src/index.js';
import type { ServiceConfig } from '../infrastructure/config.js';
import { AccessGate } from './access.gate.js';
import { AuthConfigError } from './auth.config.js';
import { Authenticator } from './authenticator.js';

export function createAccessGate(config: ServiceConfig, policy: RegistrationPolicy): AccessGate {
  const logger = new Logger('auth');
  const auth = new Authenticator(config.auth, (m) => logger.error(m));
  if (policy.submitters && !auth.required) {
    throw new AuthConfigError('the registration policy binds submitters to issuers (submitters:), but no authentication is configured: set AUTH_TOKENS_FILE and/or AUTH_OIDC_ISSUER');
  }
  logger.log(`submitter authentication: ${auth.describe()}`);
  return new AccessGate(auth, policy, config);
}

export const authProviders = (gate: AccessGate): Provider[] => [{ provide: AccessGate, useValue: gate }];
