"""The planner's locked choices: decisions the optimiser must keep while it solves the rest.

A lock names an organisation, a site and what it does there (``office``, ``shared``,
``popup`` with its days per month, ``remote``, or ``closed``: nothing). :func:`lock_choices`
returns a copy of the problem whose options table carries a ``lock`` column: 1 for the
option that must be taken, 0 for the options at a locked (organisation, site) that may not,
NaN elsewhere. :class:`planner.model.colocation.Model` turns it into the options' bounds, and
its starting plans respect them, so ``planner.model.decompose.optimised_plan`` of the copy
re-solves only the choices left open (the meeting page's "optimise the rest").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.problem.build import Problem

__all__ = ["lock_choices"]


def lock_choices(problem: Problem, locks: pd.DataFrame) -> Problem:
    """Return a copy of ``problem`` whose options hold the locked choices.

    Parameters
    ----------
    problem : Problem
    locks : pandas.DataFrame
        Rows ``site_id``, ``organisation``, ``mode`` (``office``, ``shared``, ``popup``,
        ``remote``, ``closed``) and ``days_per_month`` (pop-ups).

    Returns
    -------
    Problem
        The same problem, its ``options`` with a ``lock`` column.

    Raises
    ------
    InputError
        When a locked choice is not an option of the model (e.g. a pop-up of a number of
        days the scenario does not price, an office where the host lacks desks) or closes
        an office whose lease runs past the horizon.
    """
    opts = problem.options.copy()
    lock = np.full(len(opts), np.nan)
    pos = problem.site_index()
    org, site = opts["org"].to_numpy(dtype=object), opts["site"].to_numpy(dtype=np.int64)
    mode, days = opts["mode"].to_numpy(dtype=object), opts["days"].to_numpy(dtype=np.int64)
    ex = problem.existing
    must = {(str(e.org), int(e.site)) for e in ex[ex["must_keep"].astype(bool)].itertuples()}
    for r in locks.itertuples(index=False):
        sid, o = str(r.site_id), str(r.organisation)
        if sid not in pos.index:
            raise InputError(f"lock: site {sid!r} is not a candidate site of the region")
        s = int(pos[sid])
        at = (org == o) & (site == s)
        want = "office" if r.mode == "shared" else str(r.mode)
        lock[at] = 0.0
        if want == "closed":
            if (o, s) in must:
                raise InputError(f"lock: {o}'s office at {sid} cannot close: its lease runs "
                                 "past the horizon; keep it")
            continue
        d = int(r.days_per_month) if want == "popup" else 0
        take = at & (mode == want) & ((mode != "popup") | (days == d))
        if not take.any():
            levels = sorted(set(days[at & (mode == "popup")].tolist()))
            more = f" (pop-ups of {levels} days a month are)" if levels else ""
            raise InputError(f"lock: {want}{f' {d} days a month' if d else ''} of {o} at "
                             f"{sid} is not an option of the scenario{more}; choose another")
        lock[take] = 1.0
    opts["lock"] = lock
    return dataclasses.replace(problem, options=opts)
