// The container's HEALTHCHECK (the image has no curl): exit 0 when the service answers its
// readiness endpoint with 2xx, 1 otherwise (not ready, not listening, or no answer within 3 s).
// Readiness (GET /health/ready: the sequencer can take registrations) where the service has it;
// a service without that route (404) is checked on its liveness endpoint GET /health instead.
const port = process.env.PORT || '8080';
const base = `http://127.0.0.1:${port}`;
const get = (path) => fetch(base + path, { signal: AbortSignal.timeout(3000) });
try {
  let res = await get('/health/ready');
  if (res.status === 404) res = await get('/health');
  console.log(`${res.url} ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.log(`${base}: ${err.message}`);
  process.exit(1);
}
