/**
 * Prepared statements of a projection reader, prepared once per SQL text on first use (the readers
 * build some queries from filters, so they cannot all be prepared up front).
 */
import type { Database, Statement } from 'better-sqlite3';

export class StatementCache {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}
