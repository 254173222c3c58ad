/**
 * Background work in chunks on the event loop (the log index's loads after open): `chunk` runs
 * until it answers false or `stopped()` does, after a pause of at least twice as long as the last
 * chunk took (2 ms at least), so it takes a third of the event loop at most.
 */
export async function inBackgroundChunks(chunk: () => boolean, stopped: () => boolean): Promise<void> {
  let worked = 0;
  for (;;) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(2, 2 * worked)));
    if (stopped()) return;
    const started = performance.now();
    const more = chunk();
    worked = performance.now() - started;
    if (!more) return;
  }
}
