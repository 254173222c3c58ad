/**
 * A byte budget for work in flight: registrations reserve their statement's size when the request
 * arrives (before the body is read) and release it when the response is done. Beyond the budget
 * the service answers 503 + Retry-After instead of buffering without bound (ARCHITECTURE §5.5).
 */
export class InflightBudget {
  private used = 0;

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`couldn't create the in-flight budget: ${max} is not a positive byte count`);
  }

  /** Bytes reserved now. */
  get bytes(): number {
    return this.used;
  }

  /** Reserves `n` bytes when they fit; a single reservation larger than the budget never fits. */
  tryAcquire(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}
