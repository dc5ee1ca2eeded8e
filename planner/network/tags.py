"""Which ways of a street graph are poor places to snap a point to.

Indoor corridors, lifts, station platforms and private ways are part of the walking network
(people do walk through a station), but a home or a service point is not *on* them: a point
snapped to a platform two floors underground enters the network where nobody enters it.
:func:`restricted_edges` flags those edges so that :mod:`planner.network.snap` uses them only
when nothing else is near.

Tags are read from the edge attributes (osmnx keeps the tags listed in
``osmnx.settings.useful_tags_way``; :func:`planner.network.graph.graph_from_xml` adds the
ones below) and from pyrosm's ``tags`` column (a JSON object of the remaining tags).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import networkx as nx
import numpy as np

#: Highway classes that are inside buildings or stations.
INDOOR_HIGHWAYS = frozenset({"corridor", "elevator", "platform"})
#: Tag values that close a way to the public.
PRIVATE_VALUES = frozenset({"private", "no", "customers", "delivery"})
#: Tags read to decide (osmnx must keep them as edge attributes).
SNAP_TAGS = ("indoor", "railway", "public_transport", "access", "foot", "level")


def _value(value: object) -> str | None:
    """Return one tag value as a string (osmnx keeps a list where merged ways disagree)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _tags(data: Mapping[str, object]) -> dict[str, str | None]:
    extra: dict[str, object] = {}
    raw = data.get("tags")
    if isinstance(raw, str) and raw.startswith("{"):
        try:
            extra = json.loads(raw)
        except ValueError:
            extra = {}
    elif isinstance(raw, Mapping):
        extra = dict(raw)
    keys = ("highway", *SNAP_TAGS)
    return {k: _value(data.get(k, extra.get(k))) for k in keys}


def is_restricted(data: Mapping[str, object]) -> bool:
    """Return whether an edge is indoor, a platform or private (see the module docstring).

    Parameters
    ----------
    data : mapping
        Edge attributes.

    Returns
    -------
    bool
    """
    t = _tags(data)
    if t["highway"] in INDOOR_HIGHWAYS:
        return True
    if t["indoor"] not in (None, "no"):
        return True
    if t["railway"] == "platform" or t["public_transport"] == "platform":
        return True
    return t["access"] in PRIVATE_VALUES or t["foot"] in PRIVATE_VALUES


def restricted_edges(graph: nx.MultiDiGraph) -> np.ndarray:
    """Return :func:`is_restricted` of every edge, in ``graph.edges`` order.

    Parameters
    ----------
    graph : networkx.MultiDiGraph

    Returns
    -------
    numpy.ndarray
        Boolean, one per edge.
    """
    return np.fromiter((is_restricted(d) for *_, d in graph.edges(data=True)), dtype=bool,
                       count=graph.number_of_edges())
