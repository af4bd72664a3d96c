// The JSON of objects that are never changed once built (a cached user view, a cached room's view, a
// message's extra fields): serialised once and kept with the object, so it goes away with it. Every
// delivery of a message carries its sender, and its extra fields are measured, stored and delivered.

const texts = new WeakMap<object, string>();

export function frozenJson(value: object): string {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}
