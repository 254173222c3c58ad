/**
 * Admission: may this verified statement be registered under the policy? Pure decision over facts
 * the service has already established (strict decoding, key resolution, signature verification).
 *
 * The rejection `title`s are draft-ietf-scitt-scrapi's problem-detail titles; `detail` says why.
 */
import type { RegistrationPolicy } from './policy.js';
import { subjectDigestOf } from './supersession.js';

/** How the issuer key was found. */
export type KeySource =
  /** a key registered for the statement's `iss` in the policy */
  | 'registered'
  /** an x5chain that validates to a configured trust anchor */
  | 'trust-anchor'
  /** an x5chain leaf the statement carries itself (self-signed allowed): development mode only */
  | 'self-carried';

export interface StatementFacts {
  readonly alg: number;
  readonly iss: string;
  /** the issuer key's identity as recorded in events (hex kid or `x5t:<hex>`) */
  readonly kid: string;
  readonly sub: string;
  readonly contentType: string;
  readonly size: number;
  readonly keySource: KeySource;
  /** entries named by a revocation statement, or null when the statement is no revocation */
  readonly revokes: readonly string[] | null;
  /** the entry the statement supersedes explicitly (protected label -65537), or null */
  readonly supersedes?: string | null;
}

/** What the log knows about earlier entries (for revocations). */
export interface AdmissionView {
  /** the `iss`, issuer key and `sub` of a registered entry, or undefined when the log has no such entry */
  issuerOf(entryId: string): { readonly iss: string; readonly kid: string; readonly sub?: string } | undefined;
}

export type RejectionTitle = 'Bad Signature Algorithm' | 'Rejected' | 'Payload Too Large';

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly title: RejectionTitle; readonly code: string; readonly detail: string };

const reject = (title: RejectionTitle, code: string, detail: string): Admission => ({ admitted: false, title, code, detail });

const OCI_SUBJECT = /^(oci:\/\/)?[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*@sha256:[a-f0-9]{64}$/;

/** True when `sub` names an OCI collection by digest: `[oci://]host[:port]/repo@sha256:<hex>`. */
export function isOciCollectionSubject(sub: string): boolean {
  return OCI_SUBJECT.test(sub);
}

/**
 * Decide whether a statement is admitted.
 * @example
 *   const a = decideAdmission(facts, policy, { issuerOf: (id) => index.get(id) });
 *   if (!a.admitted) reply(400, a.title, a.detail);
 */
export function decideAdmission(facts: StatementFacts, policy: RegistrationPolicy, view: AdmissionView): Admission {
  if (facts.size > policy.maxStatementBytes) {
    return reject('Payload Too Large', 'ERR_POLICY_TOO_LARGE', `the statement is ${facts.size} bytes; the policy allows ${policy.maxStatementBytes}`);
  }
  if (!policy.algorithms.includes(facts.alg)) {
    return reject('Bad Signature Algorithm', 'ERR_POLICY_ALGORITHM', `algorithm ${facts.alg} is not allowed by the registration policy (allowed: ${policy.algorithms.join(', ')})`);
  }
  if (facts.keySource === 'self-carried' && policy.mode !== 'development') {
    return reject('Rejected', 'ERR_POLICY_UNTRUSTED_KEY', `issuer ${facts.iss} is not registered and its certificate chain does not lead to a trust anchor`);
  }
  if (policy.contentTypes.length > 0 && !policy.contentTypes.includes(facts.contentType)) {
    return reject('Rejected', 'ERR_POLICY_CONTENT_TYPE', `content type ${JSON.stringify(facts.contentType)} is not allowed by the registration policy`);
  }
  if (policy.requireOciSubject && facts.revokes === null && !isOciCollectionSubject(facts.sub)) {
    return reject('Rejected', 'ERR_POLICY_SUBJECT', `subject ${JSON.stringify(facts.sub)} is not an OCI reference with a digest ([oci://]registry/repository@sha256:<hex>)`);
  }
  if (facts.revokes !== null) {
    const mayRevokeFor = policy.issuers.find((i) => i.iss === facts.iss)?.mayRevokeFor ?? [];
    for (const id of facts.revokes) {
      const owner = view.issuerOf(id);
      if (owner === undefined) return reject('Rejected', 'ERR_REVOCATION_UNKNOWN_ENTRY', `the revoked entry ${id} is not in the log`);
      // The same key may always revoke its own claims. The same `iss` may only when the name is
      // bound to the key (registered, or certified by a trust anchor): a self-carried key proves
      // nothing about the name it claims.
      const sameKey = owner.kid === facts.kid;
      const sameBoundIssuer = owner.iss === facts.iss && facts.keySource !== 'self-carried';
      const authorised = mayRevokeFor.includes(owner.iss) || mayRevokeFor.includes('*');
      if (!sameKey && !sameBoundIssuer && !authorised) {
        return reject('Rejected', 'ERR_REVOCATION_FOREIGN_ENTRY', `issuer ${facts.iss} (key ${facts.kid}) may not revoke entry ${id} of issuer ${owner.iss}`);
      }
    }
  }
  if (facts.supersedes) {
    const rejection = decideSupersession(facts, facts.supersedes, policy, view);
    if (rejection) return rejection;
  }
  return { admitted: true };
}

/**
 * May this statement supersede entry `id`? The entry must exist, concern the same subject digest
 * (or, for a subject that is no OCI reference, the same subject), and be the issuer's own — the
 * same key, or the same `iss` bound to its key — or an issuer's the policy lists in
 * `maySupersedeFor`. A revocation can't supersede and can't be superseded (revoke it instead).
 */
function decideSupersession(facts: StatementFacts, id: string, policy: RegistrationPolicy, view: AdmissionView): Admission | undefined {
  if (facts.revokes !== null) return reject('Rejected', 'ERR_SUPERSEDES_REVOCATION', 'a revocation cannot supersede an entry: revoke it, or supersede it with a claim');
  const old = view.issuerOf(id);
  if (old === undefined) return reject('Rejected', 'ERR_SUPERSEDES_UNKNOWN_ENTRY', `the superseded entry ${id} is not in the log`);
  const oldSub = old.sub ?? '';
  const same = subjectDigestOf(facts.sub) ?? facts.sub;
  if ((subjectDigestOf(oldSub) ?? oldSub) !== same) {
    return reject('Rejected', 'ERR_SUPERSEDES_OTHER_SUBJECT', `the superseded entry ${id} is about ${JSON.stringify(oldSub)}, not about ${JSON.stringify(facts.sub)} (a claim may only supersede a claim about the same collection digest)`);
  }
  const maySupersedeFor = policy.issuers.find((i) => i.iss === facts.iss)?.maySupersedeFor ?? [];
  const sameKey = old.kid === facts.kid;
  const sameBoundIssuer = old.iss === facts.iss && facts.keySource !== 'self-carried';
  const authorised = maySupersedeFor.includes(old.iss) || maySupersedeFor.includes('*');
  if (!sameKey && !sameBoundIssuer && !authorised) {
    return reject('Rejected', 'ERR_SUPERSEDES_FOREIGN_ENTRY', `issuer ${facts.iss} (key ${facts.kid}) may not supersede entry ${id} of issuer ${old.iss} (the registration policy lists no maySupersedeFor for it)`);
  }
  return undefined;
}
