import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isScalar, parse as parseYaml, type ParsedNode } from 'yaml';
import { Logger } from '@nestjs/common';
import { canonicalPolicyJson, developmentPolicy, parsePolicy, PolicyError, type RegistrationPolicy } from '../../libs/ledger/src/index.js';

/**
 * Two keys of one map that name the same JSON member are refused: YAML's own check already
 * refuses `a`/`"a"`/`"\u0061"`, but lets `1:` and `"1":` (or `true:` and `"true":`) through, and
 * they become one property when the document turns into an object (last wins). A policy two
 * readers could read differently is refused (the same rule as every JSON the ledger reads).
 */
export const sameJsonMember = (a: ParsedNode, b: ParsedNode): boolean => a === b || (isScalar(a) && isScalar(b) && String(a.value) === String(b.value));

/** Load the policy file (YAML or JSON) or, with none configured, the development policy (logged loudly). */
export function loadPolicy(file: string | undefined): { policy: RegistrationPolicy; digest: string; canonical: string } {
  const logger = new Logger('policy');
  let policy: RegistrationPolicy;
  if (!file) {
    policy = developmentPolicy();
    logger.warn('no POLICY_FILE: the DEVELOPMENT registration policy is in force — it admits statements that verify under an x5chain they carry themselves (self-signed allowed). Do not use it in production.');
  } else {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new PolicyError(`couldn't read POLICY_FILE ${file}: ${(cause as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text, { uniqueKeys: sameJsonMember });
    } catch (cause) {
      throw new PolicyError(`couldn't parse POLICY_FILE ${file} as YAML/JSON: ${(cause as Error).message}`);
    }
    policy = parsePolicy(doc);
    if (policy.mode === 'development') logger.warn(`POLICY_FILE ${file} is a DEVELOPMENT policy: self-carried keys are admitted`);
  }
  const canonical = canonicalPolicyJson(policy);
  return { policy, canonical, digest: createHash('sha256').update(canonical).digest('hex') };
}
