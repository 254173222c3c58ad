/**
 * Per-client token bucket (SCRAPI: rate limiting is mandatory without authentication).
 * `limitPerMinute` tokens refill evenly over a minute; the burst is the same number.
 * Buckets of idle clients are dropped so memory stays bounded.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;

  constructor(
    private readonly limitPerMinute: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxClients = 100_000,
  ) {
    this.ratePerMs = limitPerMinute / 60_000;
  }

  /** 0 when allowed; otherwise the seconds to wait. An IPv6 client counts by its /64 (one host's range). */
  take(address: string): number {
    if (this.limitPerMinute === 0) return 0;
    const client = clientKey(address);
    const t = this.now();
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= this.maxClients) this.evict(t);
      b = { tokens: this.limitPerMinute, at: t };
      this.buckets.set(client, b);
    }
    b.tokens = Math.min(this.limitPerMinute, b.tokens + (t - b.at) * this.ratePerMs);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerMs / 1000));
  }

  private evict(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.ratePerMs >= this.limitPerMinute) this.buckets.delete(k);
    }
    // Still full: drop the least recently inserted tenth, never everyone's limits at once.
    let drop = this.buckets.size - Math.floor(this.maxClients * 0.9);
    for (const k of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(k);
    }
  }
}

/** IPv4 (and IPv4-mapped IPv6) as is; other IPv6 addresses by their first four groups (/64). */
export function clientKey(address: string): string {
  if (!address.includes(':') || address.startsWith('::ffff:')) return address;
  const [head = '', tail = ''] = address.split('::');
  const groups = head ? head.split(':') : [];
  const rest = tail ? tail.split(':') : [];
  const full = [...groups, ...new Array(Math.max(0, 8 - groups.length - rest.length)).fill('0'), ...rest];
  return full.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':') + '::/64';
}
