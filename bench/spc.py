"""`spc.analyze()` on 1,000,000 individual values (I-MR chart, the eight Nelson rules, Cp/Cpk/Pp/Ppk with
the Bissell interval, the Anderson-Darling normality test) beside the same computation written as plain
vectorised NumPy in this file, in the same run, on the same data.

Like for like: the baseline computes every limit, every rule and every index the analysis reports; the
two answers are compared before anything is timed. What the baseline does not do is what the contract
asks of analyze(): check its input and return plain JSON-ready lists and dicts (the points, the moving
ranges, one {"rule", "index"} per violation). The last row shows that part alone.
"""
import math
import sys

import numpy as np
from scipy import special

from bench.common import best_of
from lrip.stats import spc

N = 1_000_000
D2 = 2 / math.sqrt(math.pi)  # mean range of two standard normals
D3 = math.sqrt(2 - 4 / math.pi)  # its standard deviation


def _window(flag: np.ndarray, m: int) -> np.ndarray:
    """How many of the last m points are flagged, at each point (fewer at the start)."""
    c = np.cumsum(flag, dtype=np.int32)
    out = c.copy()
    out[m:] -= c[:-m]
    return out


def plain_numpy(x: np.ndarray, lsl: float, usl: float) -> dict:
    """The I-MR analysis, computed directly."""
    mr = np.abs(np.diff(x))
    mr_bar, center = mr.mean(), x.mean()
    sigma = mr_bar / D2
    ucl, lcl = center + 3 * sigma, center - 3 * sigma
    mr_ucl, mr_lcl = mr_bar * (1 + 3 * D3 / D2), max(0.0, mr_bar * (1 - 3 * D3 / D2))
    z = (x - center) / sigma
    up, down = np.diff(x) > 0, np.diff(x) < 0
    alt = (up[:-1] & down[1:]) | (down[:-1] & up[1:])
    n = x.size

    def shifted(mask, k):
        out = np.zeros(n, dtype=bool)
        out[k:] = mask
        return out

    rules = {
        1: np.abs(z) > 3,
        2: (_window(z > 0, 9) == 9) | (_window(z < 0, 9) == 9),
        3: shifted((_window(up, 5) == 5) | (_window(down, 5) == 5), 1),
        4: shifted(_window(alt, 12) == 12, 2),
        5: ((z > 2) & (_window(z > 2, 3) >= 2)) | ((z < -2) & (_window(z < -2, 3) >= 2)),
        6: ((z > 1) & (_window(z > 1, 5) >= 4)) | ((z < -1) & (_window(z < -1, 5) >= 4)),
        7: _window(np.abs(z) < 1, 15) == 15,
        8: _window(np.abs(z) > 1, 8) == 8,
    }
    index = np.concatenate([np.flatnonzero(m) for m in rules.values()])
    rule = np.concatenate([np.full(np.count_nonzero(m), r) for r, m in rules.items()])
    order = np.lexsort((rule, index))
    s_overall = x.std(ddof=1)
    cpk = min(usl - center, center - lsl) / (3 * sigma)
    half = 1.959963984540054 * math.sqrt(1 / (9 * n) + cpk**2 / (2 * (n - 1)))
    srt = np.sort(x)
    zs = (srt - srt.mean()) / s_overall
    a2 = -n - np.mean((2.0 * np.arange(1, n + 1) - 1) * (special.log_ndtr(zs) + special.log_ndtr(-zs[::-1])))
    return {"center": center, "ucl": ucl, "lcl": lcl, "mr": (mr_bar, mr_ucl, mr_lcl),
            "rule": rule[order], "index": index[order],
            "cp": (usl - lsl) / (6 * sigma), "cpk": cpk, "pp": (usl - lsl) / (6 * s_overall),
            "ppk": min(usl - center, center - lsl) / (3 * s_overall), "ci": (cpk - half, cpk + half), "a2": a2}


def _same(ours: dict, base: dict) -> None:
    assert math.isclose(ours["center"], base["center"]) and math.isclose(ours["ucl"], base["ucl"])
    assert math.isclose(ours["secondary"]["ucl"], base["mr"][1])
    assert [v["rule"] for v in ours["violations"]] == base["rule"].tolist()
    assert [v["index"] for v in ours["violations"]] == base["index"].tolist()
    cap = ours["capability"]
    for key in ("cp", "cpk", "pp", "ppk"):
        assert math.isclose(cap[key], base[key], rel_tol=1e-9), key
    assert math.isclose(cap["cpk_ci_low"], base["ci"][0], rel_tol=1e-9)
    assert math.isclose(ours["normality"]["statistic"], base["a2"], rel_tol=1e-6)


def run(n: int = N, repeat: int = 5) -> list[tuple[str, str, str, str]]:
    rng = np.random.default_rng(2026)
    x = 10.0 + rng.standard_normal(n)
    x[n // 2: n // 2 + 40] += 1.5  # a shift: rules 2, 5 and 6 have something to find
    lsl, usl = 6.0, 14.5
    ours = spc.analyze(x, chart="imr", lsl=lsl, usl=usl, rules="nelson")
    base = plain_numpy(x, lsl, usl)
    _same(ours, base)
    t_ours = best_of(lambda: spc.analyze(x, chart="imr", lsl=lsl, usl=usl, rules="nelson"), repeat)[0]
    t_base = best_of(lambda: plain_numpy(x, lsl, usl), repeat)[0]
    t_lists = best_of(lambda: (x.tolist(), np.abs(np.diff(x)).tolist(),
                             [{"rule": r, "index": i} for r, i in zip(base["rule"].tolist(), base["index"].tolist())]),
                    repeat)[0]
    return [(f"I-MR + 8 Nelson rules + capability + normality, {n:,} points, seconds", f"{t_ours:.3f}",
             f"{t_base:.3f} (plain NumPy, same results)", f"{t_ours / t_base:.2f}×"),
            ("violations found (identical in both)", f"{len(ours['violations']):,}", "", ""),
            ("of which: building the JSON-ready lists alone", f"{t_lists:.3f}", "", "")]


if __name__ == "__main__":
    from bench.common import table

    table("SPC analysis (I-MR), NumPy", run(int(sys.argv[1]) if len(sys.argv) > 1 else N))
