"""The value engine at scale: a full recompute of every customer, and the CLV fit against ``lifetimes``.

For each backend (SQLite, then PostgreSQL on a throwaway server) the demo database of N customers
(``bench/demo_db.py``) is used; a child process runs ``insights.services.value_recompute`` (read
from the database, compute, write every ``CustomerValue`` row back) and reports its wall time and
peak memory. It then fits BG/NBD + Gamma-Gamma on the same purchase summary with Guanxi's kernels
and with ``lifetimes`` (a dev dependency), checks that the parameters agree to 0.1 % and reports
the speed-up.

``guanxi bench insights --customers 1000000``. Targets (SQLite, 2 cores): full recompute <= 60 s,
peak memory <= 4 GiB, CLV fit >= 10x faster than ``lifetimes``; PostgreSQL too, and faster. The
recompute includes a grade evaluation of the default scheme and the default segments with curves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SIZES = {"smoke": 20_000, "full": 1_000_000}
TARGETS = {"full_recompute_s": 60.0, "peak_rss_mb": 4096.0, "clv_fit_speedup_vs_lifetimes": 10.0}


def run(size: str, customers: int | None = None) -> dict[str, Any]:
    from bench.demo_db import demo_database

    count = customers or SIZES[size]
    runs = []
    for backend in ("sqlite", "postgres"):
        with demo_database(backend, customers=count) as env:
            runs.append({"backend": backend, "customers": count, **_child(env)})
    failing = [
        f"{r['backend']}: {name}"
        for r in runs
        for name, target in TARGETS.items()
        if (r[name] < target if name == "clv_fit_speedup_vs_lifetimes" else r[name] > target)
    ]
    failing += [f"{r['backend']}: CLV parameters differ from lifetimes" for r in runs if not r["clv_parameters_agree"]]
    return {"runs": runs, "targets": TARGETS, "meets_target": not failing, "misses": failing}


def _child(env: dict[str, str]) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(  # noqa: S603 -- our own interpreter and file
        [sys.executable, __file__, "--measure"],
        env=os.environ | env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"insights bench child failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the child ------------------------------------------------------------------------------


def measure() -> dict[str, Any]:
    import resource
    import time
    from datetime import date

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import connection

    from guanxi.accounts import access
    from guanxi.contracts.models import OrderLine
    from guanxi.insights import datasets, grading, segments, services

    # Everything a nightly run does when grades are due: value figures, a grade evaluation of the
    # default scheme, the default segments' members and their consumption curves.
    system = access.system_actor()
    grading.grade_scheme_default_ensure(actor=system)
    segments.segments_default_ensure(actor=system)
    started = time.perf_counter()
    run = services.value_recompute(run=services.value_run_start(), evaluate_grades=True)
    full = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index = datasets.customer_index()
    days = datasets.purchase_days(datasets.orders_read(index, as_of=run.as_of))
    today = (run.as_of - date(1970, 1, 1)).days
    frequency, recency, age, monetary = services.clv_summary_days(days, index.size, today)
    fit = _compare_fits(frequency, recency, age, monetary)
    return {
        "vendor": connection.vendor,
        "order_lines": OrderLine.objects.count(),
        "full_recompute_s": round(full, 2),
        "peak_rss_mb": round(peak, 1),
        "steps_s": run.results.get("timings_s", {}),
        **fit,
    }


def _compare_fits(frequency: Any, recency: Any, age: Any, monetary: Any) -> dict[str, Any]:
    import time

    import lifetimes
    import numpy as np

    from guanxi.insights.kernels.clv import BetaGeoModel, GammaGammaModel, summary_weights

    bought = age > 0  # recency and age in whole days: the engine finds distinct rows on days, fits in weeks
    x, t_days, age_days, m = frequency[bought], recency[bought], age[bought], monetary[bought]
    t_x, t_age = t_days / 7.0, age_days / 7.0
    repeat = x > 0
    started = time.perf_counter()
    (ux, ut, ua), weights, _ = summary_weights(x, t_days, age_days)
    ours_bg = BetaGeoModel().fit(ux, ut / 7.0, ua / 7.0, weights=weights).params_
    (umx, um), mweights, _ = summary_weights(x[repeat], m[repeat])
    ours_gg = GammaGammaModel().fit(umx, um, weights=mweights).params_
    ours = time.perf_counter() - started
    started = time.perf_counter()
    ref_bg = lifetimes.BetaGeoFitter().fit(x, t_x, t_age)
    ref_gg = lifetimes.GammaGammaFitter().fit(x[repeat], m[repeat])
    theirs = time.perf_counter() - started
    ours_values = [ours_bg.r, ours_bg.alpha, ours_bg.a, ours_bg.b, ours_gg.p, ours_gg.q, ours_gg.gamma]
    ref_values = [*(float(v) for v in ref_bg.params_[["r", "alpha", "a", "b"]]), *(float(v) for v in ref_gg.params_)]
    deviation = max(abs(a - b) / abs(b) for a, b in zip(ours_values, ref_values, strict=True))
    return {
        "clv_customers": int(bought.sum()),
        "clv_distinct_rows": int(np.asarray(weights).size),
        "clv_fit_s": round(ours, 3),
        "lifetimes_fit_s": round(theirs, 3),
        "clv_fit_speedup_vs_lifetimes": round(theirs / ours, 1),
        "clv_max_parameter_deviation": deviation,
        "clv_parameters_agree": deviation <= 1e-3,
    }


if __name__ == "__main__" and sys.argv[1:] == ["--measure"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print(json.dumps(measure(), default=str))
