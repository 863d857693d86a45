# Generates sdk_numpy_cases.json by running the SDK's own weight functions (read from the file given,
# never copied here) on seeded random scores. Usage: python3 make_sdk_cases.py weight_utils.py out.json
import numpy as np, json, re, types
import sys
src = open(sys.argv[1]).read()  # bittensor/utils/weight_utils.py at bb526e6d
def grab(name):
    m = re.search(r'(@legacy_torch_api_compat\n)?def ' + name + r'\(.*?(?=\n(?:@|def |# The community|async def )\S*)', src, re.S)
    return m.group(0).replace('@legacy_torch_api_compat\n', '')
ns = {'np': np, 'Union': __import__('typing').Union, 'Optional': __import__('typing').Optional, 'NDArray': __import__('numpy.typing', fromlist=['NDArray']).NDArray,
      'U16_MAX': 65535, 'use_torch': lambda: False, 'torch': None,
      'logging': types.SimpleNamespace(debug=lambda *a, **k: None, warning=lambda *a, **k: None)}
for f in ['normalize_max_weight', 'process_weights', 'convert_weights_and_uids_for_emit']:
    exec(grab(f), ns)
rng = np.random.default_rng(11)
cases = []
for t in range(240):
    n = int(rng.integers(1, 120))
    kind = t % 4
    s = rng.lognormal(size=n).astype(np.float32)
    s[rng.random(n) < rng.random() * 0.8] = 0
    if kind == 1: s = (rng.integers(0, 5, size=n)).astype(np.float32)
    mw = int(rng.integers(0, min(n, 40) + 2))
    lim = float(rng.choice([1.0, 0.5, 0.4, 0.1, 0.05, 0.25]))
    q = int(rng.choice([0, 0, 6553, 13107, 32767, 65535]))
    uids = np.arange(n, dtype=np.int64)
    pu, pw = ns['process_weights'](uids, s, n, mw, lim, q)
    eu, ev = ns['convert_weights_and_uids_for_emit'](np.asarray(pu), np.asarray(pw))
    cases.append({'scores_f32': [float(x) for x in s], 'n': n, 'min_allowed_weights': mw, 'max_weight_limit': lim, 'exclude_quantile': q,
                  'processed_uids': [int(x) for x in pu], 'processed_weights': [float(x) for x in pw], 'dtype': str(np.asarray(pw).dtype),
                  'emit_uids': [int(x) for x in eu], 'emit_values': [int(x) for x in ev]})
json.dump({'source': 'opentensor/bittensor@bb526e6d61210ef2ee0e229f63ca5518381ff5a7 weight_utils.py process_weights + convert_weights_and_uids_for_emit, numpy path', 'numpy': np.__version__, 'seed': 11, 'cases': cases}, open(sys.argv[2], 'w'), separators=(',', ':'))
print(len(cases), np.__version__)
