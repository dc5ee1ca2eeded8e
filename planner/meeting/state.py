"""The meeting's proposal: what each organisation does at each site, with undo and redo.

A proposal is a set of choices ``(site_id, organisation) -> (mode, days per month)``; an
existing office that is not open is listed as ``closed`` (so every organisation with an
office is named, and its rows are its whole network, as :mod:`planner.proposal` reads
them). Each change is one step that can be undone and redone; the choices the planner made
on the page are remembered as *locked* (what "optimise the rest" keeps).

The state is kept on the server, so a reload of the page finds it as it was. It is safe to
change from several requests at once (one lock).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd

from planner.schema import DECISION_MODES

__all__ = ["PROPOSAL_COLUMNS", "Choice", "ProposalState", "Snapshot"]

#: The columns of a proposal table (``planner evaluate`` reads them back).
PROPOSAL_COLUMNS = ("site_id", "organisation", "mode", "days_per_month")
#: (mode, days per month) of one organisation at one site.
Choice = tuple[str, int]
Key = tuple[str, str]


@dataclass(frozen=True)
class Snapshot:
    """One state of the proposal: its choices and which of them the planner locked."""

    choices: tuple[tuple[Key, Choice], ...]
    locked: frozenset[Key] = frozenset()

    def table(self) -> pd.DataFrame:
        """Return the proposal table (``PROPOSAL_COLUMNS``), sorted by site and organisation."""
        rows = [(s, o, m, d) for (s, o), (m, d) in sorted(self.choices)]
        return pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS))

    def locks(self) -> pd.DataFrame:
        """Return the locked choices as a proposal table (``closed`` where none)."""
        have = dict(self.choices)
        rows = [(s, o, *have.get((s, o), ("closed", 0))) for s, o in sorted(self.locked)]
        return pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS))


def snapshot(table: pd.DataFrame, existing: set[Key],
             locked: frozenset[Key] = frozenset()) -> Snapshot:
    """Return the snapshot of a proposal table.

    Parameters
    ----------
    table : pandas.DataFrame
        ``PROPOSAL_COLUMNS`` (``closed`` rows of other than existing offices are dropped).
    existing : set of (site_id, organisation)
        Today's offices: one that is not open stays listed as ``closed``.
    locked : frozenset
        The locked (site_id, organisation) pairs.
    """
    choices: dict[Key, Choice] = {}
    for r in table.itertuples(index=False):
        key = (str(r.site_id), str(r.organisation))
        mode = str(r.mode)
        days = int(r.days_per_month) if mode == "popup" else 0
        if mode != "closed" or key in existing:
            choices[key] = (mode, days)
    for key in existing:
        choices.setdefault(key, ("closed", 0))
    return Snapshot(tuple(sorted(choices.items())), locked)


@dataclass
class ProposalState:
    """The proposal of one meeting, its history and its redo list.

    Parameters
    ----------
    start : Snapshot
        Where the meeting starts (today's network or a plan).
    existing : set of (site_id, organisation)
        Today's offices.
    """

    start: Snapshot
    existing: set[Key]
    history: list[Snapshot] = field(default_factory=list)
    future: list[Snapshot] = field(default_factory=list)
    version: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        """Begin the history at the start."""
        if not self.history:
            self.history.append(self.start)

    @property
    def current(self) -> Snapshot:
        """Return the proposal as it is now."""
        return self.history[-1]

    def view(self) -> tuple[Snapshot, int, bool, bool]:
        """Return the current snapshot, its version and whether undo and redo are possible."""
        with self._lock:
            return self.current, self.version, len(self.history) > 1, bool(self.future)

    def _push(self, snap: Snapshot) -> None:
        if snap != self.current:
            self.history.append(snap)
            self.future.clear()
            self.version += 1

    def set(self, site_id: str, organisation: str, mode: str, days: int = 0) -> None:
        """Set what ``organisation`` does at ``site_id`` (``none``: nothing) and lock it."""
        key = (site_id, organisation)
        if mode not in (*DECISION_MODES, "none"):
            raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            choices = dict(self.current.choices)
            if mode in ("none", "closed"):
                if key in self.existing:
                    choices[key] = ("closed", 0)
                else:
                    choices.pop(key, None)
            else:
                choices[key] = (mode, days if mode == "popup" else 0)
            self._push(Snapshot(tuple(sorted(choices.items())),
                                self.current.locked | {key}))

    def unlock(self, site_id: str, organisation: str) -> None:
        """Leave a choice to the optimiser again (one step)."""
        with self._lock:
            snap = self.current
            self._push(Snapshot(snap.choices, snap.locked - {(site_id, organisation)}))

    def replace(self, snap: Snapshot) -> None:
        """Replace the whole proposal in one step (an optimised plan, a reset)."""
        with self._lock:
            self._push(snap)

    def undo(self) -> bool:
        """Go one step back; return whether there was one."""
        with self._lock:
            if len(self.history) < 2:
                return False
            self.future.append(self.history.pop())
            self.version += 1
            return True

    def redo(self) -> bool:
        """Go one step forward again; return whether there was one."""
        with self._lock:
            if not self.future:
                return False
            self.history.append(self.future.pop())
            self.version += 1
            return True
