// The same kind of scorer as an ES module: `export default { name, version, score }`.
// This one also implements the optional batch form, scoreBatch(challenge, reference, items),
// which returns one number per item, in order.
function cosine(reference, response) {
  let dot = 0, rr = 0, ss = 0;
  for (const name of Object.keys(reference)) {
    const a = reference[name].values;
    const b = response[name]?.values;
    if (!b || b.length !== a.length) return 0;
    for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; rr += a[i] * a[i]; ss += b[i] * b[i]; }
  }
  if (rr === 0 || ss === 0) return rr === ss ? 1 : 0;
  const c = dot / Math.sqrt(rr * ss);
  return Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
}

export default {
  name: 'squared-cosine',
  version: '1.0.0',
  score(challenge, reference, response) {
    return cosine(reference, response) ** 2;
  },
  scoreBatch(challenge, reference, items) {
    return items.map((it) => cosine(reference, it.response) ** 2);
  },
};
