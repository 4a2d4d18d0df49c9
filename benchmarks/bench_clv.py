"""The BG/NBD fit: ours (``bankcrm.models.clv.fit_bgnbd``: analytic gradient, vectorised
log-likelihood, one term per distinct history) against lifetimes' ``BetaGeoFitter`` (0.11.3,
in its own virtualenv, see ``bench_rfm.lifetimes_python``) on the CDNOW summary and on
simulated customers (default 200 000): two simulations, daily histories as a daily summary
produces them (integer days, so many customers share a history) and continuous times (every
history distinct, no sharing to exploit). Parameters are compared to 1e-4 relative.

``python -m benchmarks.bench_clv --customers 200000`` (issue 5: same parameters, ≥ 3x faster).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bankcrm.models.clv import fit_bgnbd
from benchmarks.bench_rfm import run_lifetimes

CDNOW = Path("/work/shared/data/real/cdnow/cdnow_customers_summary.csv")

LIFETIMES_FIT = """
import json, sys, time
import pandas as pd
from lifetimes import BetaGeoFitter
data = pd.read_csv(sys.argv[1])
started = time.perf_counter()
fit = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, **{k: float(v) for k, v in fit.params_.items()}}))
"""


def simulate(n: int, daily: bool, seed: int = 3) -> pd.DataFrame:
    """Histories from the BG/NBD story (λ ~ Gamma(0.3, 20), p ~ Beta(0.8, 3), in days),
    observed for up to three years; ``daily`` rounds the times to whole days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.3, 1 / 20, n)
    p = rng.beta(0.8, 3.0, n)
    big_t = rng.integers(30, 1096, n).astype(float)
    if not daily:
        big_t = big_t - rng.uniform(0, 1, n)
    # Draw purchases in blocks of 50 until every customer has passed T.
    times = np.cumsum(rng.exponential(1.0, (n, 50)) / lam[:, None], axis=1)
    while (times[:, -1] <= big_t).any():
        more = np.cumsum(rng.exponential(1.0, (n, 50)) / lam[:, None], axis=1)
        times = np.hstack([times, times[:, -1:] + more])
    x = np.minimum((times <= big_t[:, None]).sum(axis=1), rng.geometric(p))
    t_x = np.where(x > 0, times[np.arange(n), np.maximum(x - 1, 0)], 0.0)
    if daily:
        t_x = np.floor(t_x)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": big_t})


def compare(name: str, data: pd.DataFrame, folder: Path) -> None:
    """Fit ``data`` both ways, print the timings, their ratio and the parameters."""
    started = time.perf_counter()
    ours = fit_bgnbd(data["frequency"], data["recency"], data["T"])
    seconds = time.perf_counter() - started
    path = folder / f"{name}.csv"
    data.to_csv(path, index=False)
    theirs = run_lifetimes(LIFETIMES_FIT, str(path))
    mine = np.array([ours.r, ours.alpha, ours.a, ours.b])
    other = np.array([theirs[k] for k in ("r", "alpha", "a", "b")])
    gap = float(np.max(np.abs(mine / other - 1)))
    verdict = "same parameters" if gap < 1e-4 else "PARAMETERS DIFFER"
    distinct = len(data.drop_duplicates())
    print(
        f"{name}: {len(data):,} customers ({distinct:,} distinct histories)\n"
        f"  ours {seconds:.3f} s   lifetimes BetaGeoFitter {theirs['seconds']:.3f} s   "
        f"lifetimes / ours = {theirs['seconds'] / seconds:.1f}x (target ≥ 3x)\n"
        f"  r, alpha, a, b: ours {np.round(mine, 5).tolist()}  "
        f"lifetimes {np.round(other, 5).tolist()}  max relative gap {gap:.1e}: {verdict}; "
        f"our LL {ours.log_likelihood:,.2f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        compare("CDNOW (39 weeks)", pd.read_csv(CDNOW)[["frequency", "recency", "T"]], folder)
        compare("simulated, daily", simulate(args.customers, daily=True), folder)
        compare("simulated, continuous", simulate(args.customers, daily=False), folder)


if __name__ == "__main__":
    main(sys.argv[1:])
