/**
 * Polls `probe` until `ok` accepts its value or `ms` pass; returns the last value, so the
 * test asserts on what was actually seen.
 */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 5_000,
  every = 50,
): Promise<T> {
  let value = await probe();
  for (const deadline = Date.now() + ms; !ok(value) && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, every));
    value = await probe();
  }
  return value;
}
