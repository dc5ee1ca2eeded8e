"""Classic location-allocation models solved exactly with OR-Tools.

>>> import numpy as np
>>> from planner.locate import p_median
>>> sol = p_median(np.array([[0.0, 4.0], [3.0, 1.0], [5.0, 0.0]]), p=1)
>>> sol.open_sites.tolist(), sol.objective, sol.status
([1], 5.0, 'optimal')

May import: the foundation modules at the top of ``planner`` only (the sparse
mixed-integer model of :mod:`planner.mip`).
"""

from planner.locate.coverage import lscp, mclp, p_center
from planner.locate.orlib import OrlibInstance, read_orlib_pmed
from planner.locate.pmedian import p_median
from planner.locate.solution import Solution

__all__ = [
    "OrlibInstance",
    "Solution",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
    "read_orlib_pmed",
]
