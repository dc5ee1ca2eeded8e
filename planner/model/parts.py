"""The co-location model's parts as named records: index arrays and variable ranges.

Each part of :class:`planner.model.colocation.Model` (its options, shared premises, moved
staff, assignment of visits, access standards and each organisation's costs) is built by
one method and returned as one frozen record, as PyVRP's ``ProblemData`` holds a problem:
arrays indexed the same way, and the positions of the part's variables in the model
(``y``, ``w``, ``m``, ``x``/``q``/``u``). :func:`planner.model.assemble.plan_of` and the
starting-plan heuristics (:class:`planner.model.start.StartingPlan`) read these records,
never the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from planner.problem.build import AreaStandard


@dataclass(frozen=True)
class Options:
    """The options an organisation can take at a site, and their variables ``y``.

    Attributes
    ----------
    table : pandas.DataFrame
        The problem's option table, by position (``planner.problem.costs.OPTION_COLUMNS``).
    y : numpy.ndarray
        The variable of each option (binary: the option is taken).
    org, site : numpy.ndarray
        Each option's organisation (position in ``Problem.orgs``) and site (position).
    mode : numpy.ndarray
        Each option's mode (``office``, ``popup``, ``remote``).
    in_person : numpy.ndarray
        Whether each option serves in person.
    pair : numpy.ndarray
        Each option's (organisation, site) as ``org * n_sites + site``.
    keep : numpy.ndarray
        For each existing office (the rows of ``existing``), the option that keeps it.
    office : numpy.ndarray
        The positions of the office options.
    cost : numpy.ndarray
        Each option's annual cost (EUR/year, before any Lagrangian price).
    desks : numpy.ndarray
        The host's spare desks each option takes.
    spare : numpy.ndarray
        Each site's spare desks.
    existing : pandas.DataFrame
        The existing offices with their cost lines.
    lower, upper : numpy.ndarray
        Each option's bounds (0 or 1): leases that must stay and the planner's locked
        choices (:mod:`planner.model.locks`).
    """

    table: pd.DataFrame
    y: np.ndarray
    org: np.ndarray
    site: np.ndarray
    mode: np.ndarray
    in_person: np.ndarray
    pair: np.ndarray
    keep: np.ndarray
    office: np.ndarray
    cost: np.ndarray
    desks: np.ndarray
    spare: np.ndarray
    existing: pd.DataFrame
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n_sites(self) -> int:
        """Return the number of candidate sites."""
        return int(self.spare.size)


@dataclass(frozen=True)
class SharedPremises:
    """The shared-premises saving variables ``w``, one per office option that may save.

    Attributes
    ----------
    w : numpy.ndarray
        The variables.
    option : numpy.ndarray
        The office option of each ``w``.
    above : tuple of numpy.ndarray
        Pairs (position in ``w``, office option ranked above it at the same site).
    """

    w: np.ndarray
    option: np.ndarray
    above: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class MovedStaff:
    """The host's spare desks ``m`` that an organisation's moved staff take at a site.

    Attributes
    ----------
    m : numpy.ndarray
        The variables.
    option : numpy.ndarray
        The office option of each ``m`` (its organisation and site).
    """

    m: np.ndarray
    option: np.ndarray


@dataclass(frozen=True)
class Channel:
    """Shares of visits served through one channel: a variable per (point, org, site).

    Attributes
    ----------
    var : numpy.ndarray
        The variables (share of the point's visits for the organisation).
    point, org, site : numpy.ndarray
        Each variable's demand point, organisation and site (positions).
    minutes : numpy.ndarray
        Each variable's travel time (minutes).
    """

    var: np.ndarray
    point: np.ndarray
    org: np.ndarray
    site: np.ndarray
    minutes: np.ndarray


@dataclass(frozen=True)
class Assignment:
    """Where every visit goes: in person (``x``), to a remote point (``q``) or unserved.

    Attributes
    ----------
    in_person, remote : Channel
    unserved : numpy.ndarray
        The variables ``u``, one per (point, organisation) with visits.
    unserved_point, unserved_org : numpy.ndarray
        Each ``u``'s demand point and organisation.
    """

    in_person: Channel
    remote: Channel
    unserved: np.ndarray
    unserved_point: np.ndarray
    unserved_org: np.ndarray


class Cover(NamedTuple):
    """One access standard as :meth:`planner.model.start.StartingPlan.repair` sees it.

    Each (point, site) pair's coverage row and open[s] variable, each row's residents and
    the residents needed, and each eligible option with the open[s] variable it counts in.
    """

    row: np.ndarray
    pair_open: np.ndarray
    weight: np.ndarray
    need: float
    options: np.ndarray
    opening: np.ndarray


@dataclass(frozen=True)
class Access:
    """The access standards' coverage in the model.

    Attributes
    ----------
    standards : list of AreaStandard
        Per organisation (``planner.problem.build.expand_standards``).
    coverage : list of Cover
        What :meth:`planner.model.start.StartingPlan.repair` needs to meet each.
    short : dict
        Position of a standard -> (its shortfall variable, the residents needed), with slack.
    worst : dict
        (scenario standard, organisation) -> the variable of its worst area's share
        (``equity="stage1"``).
    """

    standards: list[AreaStandard]
    coverage: list[Cover]
    short: dict[int, tuple[int, float]]
    worst: dict[tuple[int, str], int]


@dataclass(frozen=True)
class OrgCosts:
    """Each organisation's annual cost in the model: variable terms and a constant.

    Attributes
    ----------
    terms : dict
        Organisation -> (variables, coefficients) blocks of its cost.
    const : dict
        Organisation -> its cost outside the variables (closings, staff).
    staff_eur : dict
        Organisation -> its staff cost (the same in every plan, outside the objective).
    fte : dict
        Organisation -> its staff (full-time equivalents), who need desks in every plan.
    mult : numpy.ndarray
        Per organisation, the weight of its euros in the objective (``1 + price``).
    """

    terms: dict[str, list[tuple[np.ndarray, np.ndarray]]]
    const: dict[str, float]
    staff_eur: dict[str, float]
    fte: dict[str, float]
    mult: np.ndarray

    def of(self, values: np.ndarray) -> dict[str, float]:
        """Return each organisation's annual cost in a solution (EUR/year)."""
        return {o: float(sum(values[i] @ c for i, c in terms)) + self.const[o]
                for o, terms in self.terms.items()}
