/**
 * Issuer precedence (docs/policy.md#consumer-policy): which claim decides each kind of claim about
 * a subject, and why the others lost. Used online (`GET /claims?subject=…&precedence=…`) and
 * offline (`scitt verify --policy`), so both answer the same.
 *
 * Per kind: a claim is out when it is revoked, superseded, not verified (offline), or from an
 * issuer the order does not list; among the rest, the issuer listed first wins, and between two
 * claims of that issuer the newer (higher log index) wins.
 */

/** What precedence needs to know about one claim. */
export interface PrecedenceClaim {
  readonly entryId: string;
  readonly iss: string;
  readonly kind: string;
  /** log index (newer wins between claims of one issuer); -1 when unknown */
  readonly index: number;
  /** why it can't decide anything (revoked, superseded, unverified …), or undefined */
  readonly out?: string;
}

export interface KindDecision {
  readonly kind: string;
  /** the entry id of the deciding claim, or null when no claim qualifies */
  readonly decidedBy: string | null;
  readonly iss: string | null;
  /** every other claim of this kind and why it lost */
  readonly others: readonly { readonly entryId: string; readonly iss: string; readonly why: string }[];
}

/**
 * Decides every kind present in `claims` (or only `kinds` when given) under the issuer `order`
 * (most trusted first; an empty order ranks all issuers equally, newest first).
 * @example decideByPrecedence(claims, ['https://scanner.consumer.example', 'https://vendor.example'])
 */
export function decideByPrecedence(claims: readonly PrecedenceClaim[], order: readonly string[], kinds?: readonly string[]): KindDecision[] {
  const wanted = kinds ?? [...new Set(claims.map((c) => c.kind))].sort();
  const rank = (iss: string): number => (order.length === 0 ? 0 : order.indexOf(iss));
  return wanted.map((kind) => {
    const of = claims.filter((c) => c.kind === kind);
    const eligible = of.filter((c) => c.out === undefined && rank(c.iss) >= 0);
    eligible.sort((a, b) => rank(a.iss) - rank(b.iss) || b.index - a.index);
    const winner = eligible[0];
    const others = of
      .filter((c) => c !== winner)
      .map((c) => {
        let why: string;
        if (c.out !== undefined) why = c.out;
        else if (rank(c.iss) < 0) why = `issuer ${c.iss} is not in the precedence order (${order.join(', ')})`;
        else if (winner && c.iss === winner.iss) why = `an older claim of the same issuer (index ${c.index} < ${winner.index})`;
        else why = `issuer ${c.iss} ranks below ${winner!.iss}`;
        return { entryId: c.entryId, iss: c.iss, why };
      });
    return { kind, decidedBy: winner?.entryId ?? null, iss: winner?.iss ?? null, others };
  });
}
