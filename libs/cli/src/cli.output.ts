/**
 * What commands print. Quiet by default (results on stdout, nothing else); `-o json` prints
 * exactly one JSON document on stdout; progress for long work goes to stderr, and only when
 * stderr is a terminal (or `--progress` is given) — never into a pipe or a JSON document.
 */
import { writeFileSync } from 'node:fs';
import { badInput, usage } from './cli.errors.js';

/** Output format chosen with `-o`. */
export type OutputFormat = 'text' | 'json';

/** Where output goes (replaceable in tests). */
export interface CliStreams {
  stdout: { write(s: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** Output options common to every command. */
export interface OutputOptions {
  format: OutputFormat;
  progress: boolean;
  verbose: boolean;
}

/** The printer a command gets. */
export class Output {
  constructor(
    readonly streams: CliStreams,
    readonly options: OutputOptions,
  ) {}

  get json(): boolean {
    return this.options.format === 'json';
  }

  /** A line of human output on stdout (dropped under `-o json`). */
  line(text = ''): void {
    if (!this.json) this.streams.stdout.write(text + '\n');
  }

  /** The command's result: `value` as JSON under `-o json`, else the text lines. */
  result(value: unknown, text: () => string | string[]): void {
    if (this.json) {
      this.streams.stdout.write(JSON.stringify(value, null, 2) + '\n');
      return;
    }
    const t = text();
    const lines = Array.isArray(t) ? t : [t];
    for (const l of lines) this.streams.stdout.write(l + '\n');
  }

  /** Progress for long work (stderr; only on a terminal or with `--progress`). */
  progress(text: string): void {
    if (this.options.progress) this.streams.stderr.write(`… ${text}\n`);
  }

  /** Detail shown with `--verbose` (stderr). */
  info(text: string): void {
    if (this.options.verbose) this.streams.stderr.write(text + '\n');
  }

  /** A warning (stderr, always). */
  warn(text: string): void {
    this.streams.stderr.write(`warning: ${text}\n`);
  }

  /**
   * Writes binary output to `file`, or to stdout when `file` is `-` or absent and stdout is not
   * a terminal. Refuses to write binary to a terminal.
   */
  writeBinary(bytes: Uint8Array, file: string | undefined, what: string): string {
    if (file && file !== '-') {
      try {
        writeFileSync(file, bytes);
      } catch (e) {
        throw badInput(`couldn't write ${what} to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
      }
      return file;
    }
    if (this.streams.stdout.isTTY) throw usage(`couldn't write ${what}: refusing to write binary to a terminal; give an output file (--out <file>)`);
    if (this.json) throw usage(`couldn't write ${what}: -o json prints JSON on stdout; give an output file (--out <file>)`);
    this.streams.stdout.write(bytes);
    return '-';
  }
}
