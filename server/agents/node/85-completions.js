// Completions (PROTOCOL.md sec. 7.6): names of an object's properties (of the session's names at the root)
// for an editor's completion, with kinds and types where a property descriptor tells them, so completing
// never runs a getter.

const COMPLETIONS_MAX = 2000;

/** [name, kind, typeName] of the properties (the session's names at the root) starting with `prefix`. */
function completions(o, prefix, limit) {
  prefix = typeof prefix === 'string' ? prefix : '';
  limit = Math.min(Number.isInteger(limit) && limit > 0 ? limit : 500, COMPLETIONS_MAX);
  const low = prefix.toLowerCase();
  let names;
  let typed;
  if (o === ROOT) {
    names = sessionNames();
    typed = (n) => {
      const v = sessionLookup(n).value;
      return [kindOf(v), typeNameOf(v)];
    };
  } else {
    const boxed = o === null || o === undefined ? null : Object(o);
    names = boxed ? attrNames(boxed) : [];
    typed = (n) => {
      const d = descriptorOf(boxed, n);
      if (!d) return ['data', ''];
      if (!('value' in d)) return ['property', ''];
      return [kindOf(d.value), typeNameOf(d.value)];
    };
  }
  const shown = names.filter((n) => n.toLowerCase().startsWith(low) && (prefix.startsWith('_') || !n.startsWith('_'))).sort(nameOrder);
  return shown.slice(0, limit).map((n) => {
    try {
      return [n, ...typed(n)];
    } catch {
      return [n, 'data', ''];
    }
  });
}
