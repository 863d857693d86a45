// An example user scorer for `npx subnet validator --scorer ./validator/examples/my-scorer.js`.
// A scorer is a plain object: { name, version, score(challenge, reference, response, timing) }.
// It must be pure (no I/O, no clock, no randomness) and return a number in [0, 1].
// `reference` and `response` map each model output name to { dtype, shape, data, values },
// where `values` is a Float64Array of the elements.
'use strict';

module.exports = {
  name: 'max-abs-error',
  version: '1.0.0',
  /** 1 when every element is within `tolerance` of the reference, falling linearly to 0 at 10x. */
  score(challenge, reference, response, timing) {
    const tolerance = 1e-3;
    let worst = 0;
    for (const name of Object.keys(reference)) {
      const ref = reference[name];
      const got = response[name];
      if (!got || got.values.length !== ref.values.length) return 0; // missing output or wrong shape
      for (let i = 0; i < ref.values.length; i++) {
        const d = Math.abs(got.values[i] - ref.values[i]);
        if (!Number.isFinite(d)) return 0;
        if (d > worst) worst = d;
      }
    }
    if (worst <= tolerance) return 1;
    return Math.max(0, 1 - (worst - tolerance) / (9 * tolerance));
  },
};
