"""Amounts in cents that add up: largest-remainder rounding.

Rounding each party's share of a shared site to the cent on its own leaves the shares a
cent or two away from the site's cost. :func:`largest_remainder` rounds them together:
every share down to the cent, then the cents still missing to the total (rounded to the
cent) go one each to the shares with the largest remainders, ties to the earlier party.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["largest_remainder"]


def largest_remainder(shares: Mapping[str, float], total: float | None = None
                      ) -> dict[str, float]:
    """Round shares to the cent so that they add up to ``total`` rounded to the cent.

    Parameters
    ----------
    shares : mapping of str to float
        Exact shares (EUR), in the parties' order; negative shares are allowed.
    total : float, optional
        What they add up to (default: their sum); off from their sum by less than a cent
        per share (float noise), else their sum is used.

    Returns
    -------
    dict of str to float
        The same keys, each a whole number of cents (as EUR), adding up to the total's
        cents exactly.
    """
    if not shares:
        return {}
    exact = {k: float(v) * 100.0 for k, v in shares.items()}
    whole = sum(exact.values())
    if total is None or abs(total * 100.0 - whole) > len(exact):
        total = whole / 100.0
    target = round(total * 100.0)
    down = {k: math.floor(v) for k, v in exact.items()}
    left = target - sum(down.values())  # 0 <= left <= n, up to float noise
    order = sorted(exact, key=lambda k: -(exact[k] - down[k]))  # stable: ties keep order
    if left < 0:  # the total is below the floors (float noise): take from the smallest
        order = order[::-1]
    for k in order[:abs(left)]:
        down[k] += 1 if left > 0 else -1
    return {k: c / 100.0 for k, c in down.items()}
