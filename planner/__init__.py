"""Plan a shared public service network for Finnish public organisations.

The pipeline flows one way: data -> network/demand -> model -> plan -> evaluate/maps/report.
"""

from planner.plan import Plan
from planner.region import Region

__all__ = ["Plan", "Region"]
__version__ = "0.1.0"
