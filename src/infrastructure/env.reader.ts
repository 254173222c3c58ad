/**
 * Reading environment variables without stopping at the first bad one: each helper records a
 * problem and returns the default, and {@link EnvReader.done} throws one {@link ConfigError}
 * naming every bad variable. config.ts uses it for every setting of the service.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** A bad configuration: `problems` has one line per bad variable (or bad combination). */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly problems: readonly string[];
  constructor(message: string | readonly string[]) {
    const problems = typeof message === 'string' ? [message] : message;
    super(problems.length === 1 ? problems[0]! : `${problems.length} settings are not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Errors a settings parser throws for a bad value (ours, the auth and Kafka parsers'): collected, never bugs. */
const isConfigProblem = (err: unknown): err is Error & { problems?: readonly string[] } => {
  const code = (err as { code?: unknown })?.code;
  return err instanceof Error && (code === 'ERR_CONFIG' || code === 'ERR_KAFKA_CONFIG');
};

export class EnvReader {
  readonly #problems: string[] = [];
  constructor(readonly env: Env) {}

  /** The value, or undefined when unset or empty. */
  str(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  /** A whole number from `min` to `max`; `def` when unset. */
  int(name: string, def: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === undefined) return def;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      return this.problem(`${name}=${JSON.stringify(raw)} is not valid: expected an integer from ${min} to ${max}`, def);
    }
    return Number(raw);
  }

  /** One of `allowed` (exactly; `lower` compares in lower case); `def` when unset. */
  oneOf<T extends string>(name: string, def: T, allowed: readonly T[], lower = false): T {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const v = lower ? raw.toLowerCase() : raw;
    if (!(allowed as readonly string[]).includes(v)) return this.problem(`${name}=${JSON.stringify(raw)} is not valid: expected one of ${allowed.join(', ')}`, def);
    return v as T;
  }

  /** `true` or `false`; `def` when unset. */
  bool(name: string, def: boolean): boolean {
    return this.oneOf(name, def ? 'true' : 'false', ['true', 'false'] as const, true) === 'true';
  }

  /** Records a problem; returns `fallback` so reading goes on (the result is never used: {@link done} throws). */
  problem<T>(message: string, fallback: T): T {
    this.#problems.push(message);
    return fallback;
  }

  /**
   * Runs a parser of a group of variables that throws on its first bad value (auth, publisher,
   * Kafka): its problem is recorded with the others. Any other error is a bug and propagates.
   */
  section<T>(parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (!isConfigProblem(err)) throw err;
      this.#problems.push(...(err.problems ?? [err.message]));
      return undefined as T; // never seen: done() throws
    }
  }

  /** Throws one {@link ConfigError} listing every problem recorded, if any. */
  done(): void {
    if (this.#problems.length > 0) throw new ConfigError(this.#problems);
  }
}
