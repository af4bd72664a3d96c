// Row ids that the wire carries as decimal text (users, messages, scheduled messages): one reading of
// them, so every endpoint refuses the same things (a sign, leading zeros, more than a safe integer).

const DECIMAL_ID = /^[1-9][0-9]{0,15}$/;

/** The id `value` names (decimal text, or a number where clients send one); undefined for anything else. */
export function parseId(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL_ID.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}
