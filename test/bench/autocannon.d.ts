// Minimal typings for the parts of autocannon the benchmarks use (it ships none).
declare module 'autocannon' {
  interface Req { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    requests?: { setupRequest?: (req: Req) => Req }[];
  }
  interface Histogram { average: number; mean: number; p50: number; p90: number; p99: number; max: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number; '2xx': number }
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): unknown;
  export default autocannon;
}
