// Grouping in linear time (Map.groupBy needs Node 21; Parley runs on 20.12).

/** Appends `value` to the list `map` holds under `key`, creating the list on first use. */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
