"""Scenario sweeps: many variants of one scenario solved on a Dask distributed cluster.

A sweep varies keys of a scenario file, e.g. ``--vary standards.0.share=0.5,0.9`` and
``--vary solver.seed=0,1``: every combination (the cartesian product, first ``--vary``
slowest) is one variant. Each variant's scenario is built from the file's mapping and
validated before anything is submitted. Dask workers run :func:`planner.pipeline.run` on
them and return plain data (:class:`VariantResult`: the plan with its KPIs, the
today-vs-plan table, the standards table); the client writes every output, atomically:

- ``OUT/<variant>/plan.gpkg`` (:meth:`planner.plan.Plan.to_file`, byte-identical to the
  same plan from a direct run), ``kpis.csv``, ``standards.csv`` and ``scenario.yaml`` (the
  variant's scenario with absolute file paths, so that ``planner run`` or ``planner report``
  reproduces or draws it); a failed variant gets ``error.txt`` instead of the plan files;
- ``OUT/summary.csv``: one row per variant, in variant order.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import logging
import re
import time
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel

from planner._io import atomic_write
from planner.config import did_you_mean, load_yaml
from planner.errors import InputError, PlannerError
from planner.outputs import files
from planner.plan import Plan
from planner.scenario import Scenario, parse_scenario

__all__ = ["VARIANT_FILES", "Variant", "VariantResult", "Vary", "build_variants",
           "load_variants", "parse_vary", "run_sweep", "run_variant", "summary_table",
           "write_summary", "write_variant"]

#: Files written per variant (``error.txt`` replaces the first three when it fails).
VARIANT_FILES = (*files.VARIANT.files(), "scenario.yaml", "error.txt")
#: Summary columns per organisation: column suffix -> column of ``pipeline.compare``.
ORG_COLUMNS = {"within_standard": "within_after", "annual_cost_eur": "cost_after_eur",
               "offices": "offices", "shared": "shared", "popup": "popup", "remote": "remote"}
_EXAMPLE = "e.g. --vary costs.shared_saving_share=0.2,0.3"


# --------------------------------------------------------------------------- --vary specs
@dataclass(frozen=True)
class Vary:
    """One ``--vary KEY=V1,V2,...`` option.

    Attributes
    ----------
    spec : str
        The option as given.
    key : str
        Dotted path into the scenario mapping (list indices allowed: ``standards.0.share``).
    values : tuple
        The values, each parsed as YAML (``0.2`` is a float, ``true`` a bool).
    texts : tuple of str
        The values as written (for names and messages).
    """

    spec: str
    key: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]

    @property
    def parts(self) -> tuple[str, ...]:
        """The key split at dots."""
        return tuple(self.key.split("."))


def parse_vary(spec: str) -> Vary:
    """Parse ``KEY=V1,V2,...``.

    Parameters
    ----------
    spec : str
        E.g. ``"standards.0.share=0.8,0.9"``.

    Returns
    -------
    Vary

    Raises
    ------
    InputError
        Without ``=``, with an empty key or part of the key, without values or with an empty
        or malformed value.
    """
    key, sep, rest = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"--vary {spec!r}: expected KEY=V1,V2,... ({_EXAMPLE})")
    if any(not p for p in key.split(".")):
        raise InputError(f"--vary {spec}: the key {key!r} has an empty part; separate keys "
                         f"with single dots ({_EXAMPLE})")
    if not rest.strip():
        raise InputError(f"--vary {spec}: no values after '='; give one or more, separated "
                         "by commas")
    texts = tuple(t.strip() for t in rest.split(","))
    if any(not t for t in texts):
        raise InputError(f"--vary {spec}: an empty value in the list; remove the extra comma "
                         "(write null for no value)")
    values = []
    for t in texts:
        try:
            values.append(yaml.safe_load(t))
        except yaml.YAMLError:
            raise InputError(f"--vary {spec}: the value {t!r} is not a YAML value; quote it "
                             "or fix it") from None
    return Vary(spec=spec, key=key, values=tuple(values), texts=texts)


# --------------------------------------------------------------------------- schema paths
def _node(ann: Any) -> Any:
    """Return what a scenario annotation allows below it.

    A model class, ``("list", item)``, ``("dict", allowed keys, value)``, or ``None`` for a
    plain value.
    """
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        return _node(args[0])
    if origin in (list, tuple):
        return ("list", _node(args[0]) if args else None)
    if origin is dict:
        keys = typing.get_args(args[0]) if typing.get_origin(args[0]) is Literal else ()
        return ("dict", tuple(keys), _node(args[1]))
    if origin in (typing.Union, types.UnionType):
        return next((n for n in map(_node, args) if n is not None), None)
    return None


def _keys_here(node: Any, here: dict) -> list[str]:
    """Keys allowed in the mapping ``here`` whose schema is ``node``."""
    if isinstance(node, type):
        return list(node.model_fields)
    allowed = list(node[1]) if isinstance(node, tuple) and node[0] == "dict" else []
    return [*allowed, *(str(k) for k in here if str(k) not in allowed)]


def _set_path(data: dict, vary: Vary, value: Any) -> None:
    """Set ``vary.key`` in the scenario mapping ``data`` (in place), checked by the schema.

    Missing mappings on the way are created for keys the schema knows.
    """
    where: Any = data
    node: Any = Scenario
    parts = vary.parts
    for i, part in enumerate(parts):
        at = ".".join(parts[:i]) or "the top level"
        last = i == len(parts) - 1
        if isinstance(where, list):
            n = len(where)
            if not part.isdigit() or int(part) >= n:
                span = f"an index from 0 to {n - 1}" if n else "nothing (the list is empty)"
                raise InputError(f"--vary {vary.spec}: {at} is a list of {n} item(s); "
                                 f"{part!r} is not an index in it; use {span}")
            key: str | int = int(part)
            node = node[1] if isinstance(node, tuple) else None
        elif isinstance(where, dict):
            allowed = _keys_here(node, where)
            if part not in allowed:
                mean = did_you_mean(part, allowed)
                raise InputError(f"--vary {vary.spec}: unknown key {vary.key!r}: {part!r} is "
                                 f"not a key at {at}{mean}; the keys there are "
                                 f"{', '.join(allowed)}")
            key = part
            if isinstance(node, type):
                node = _node(node.model_fields[part].annotation)
            else:
                node = node[2] if isinstance(node, tuple) else None
        else:
            raise InputError(f"--vary {vary.spec}: {at} is a value ({where!r}), not a "
                             f"mapping or list; vary {at} itself")
        if last:
            where[key] = copy.deepcopy(value)
            return
        if isinstance(where, dict) and key not in where:
            if not (isinstance(node, type) or (isinstance(node, tuple) and node[0] == "dict")):
                raise InputError(f"--vary {vary.spec}: {'.'.join(parts[:i + 1])} is not in "
                                 "the scenario and holds no keys; vary it as a whole")
            where[key] = {}
        where = where[key]


# --------------------------------------------------------------------------- variants
@dataclass(frozen=True)
class Variant:
    """One scenario of a sweep.

    Attributes
    ----------
    name : str
        Short, deterministic and unique in the sweep, e.g. ``v01_share-0.5``.
    values : dict
        Varied key -> value, in ``--vary`` order.
    scenario : Scenario
        Validated, with region file paths resolved like :func:`load_scenario` does.
    """

    name: str
    values: dict[str, Any]
    scenario: Scenario


def _label(key: str) -> str:
    """Return the last named part of a key with its indices (``standards.0``: ``standards0``)."""
    parts = key.split(".")
    named = max((i for i, p in enumerate(parts) if not p.isdigit()), default=0)
    return parts[named] + "".join(parts[named + 1:])


def _slug(text: str, limit: int = 24) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")[:limit] or "_"


def build_variants(data: dict, varies: list[Vary], base: str | Path = ".",
                   source: str = "<scenario>") -> list[Variant]:
    """Every combination of the varied values, validated.

    Parameters
    ----------
    data : dict
        The scenario mapping (the parsed YAML); not modified.
    varies : list of Vary
        The ``--vary`` options; the first varies slowest.
    base : str or pathlib.Path
        Folder relative region file paths are taken from (the scenario file's).
    source : str
        The scenario file's name, for messages.

    Returns
    -------
    list of Variant
        In product order.

    Raises
    ------
    InputError
        No ``--vary``, a key varied twice, a key not in the scenario or a value it refuses
        (one line naming the ``--vary`` option and the key).
    """
    if not varies:
        raise InputError(f"{source}: nothing to vary; give at least one --vary KEY=V1,V2 "
                         f"({_EXAMPLE})")
    seen: dict[str, str] = {}
    for v in varies:
        if v.key in seen:
            raise InputError(f"--vary {v.spec}: the key {v.key} is already varied by --vary "
                             f"{seen[v.key]}; give all its values in one --vary")
        seen[v.key] = v.spec
    base = Path(base)
    for v in varies:  # each value alone first: an error names its own --vary
        for value, text in zip(v.values, v.texts, strict=True):
            one = copy.deepcopy(data)
            _set_path(one, v, value)
            parse_scenario(one, f"{source} with --vary {v.key}={text}", base)
    combos = list(itertools.product(*(range(len(v.values)) for v in varies)))
    width = max(2, len(str(len(combos))))
    out = []
    for n, combo in enumerate(combos, start=1):
        one = copy.deepcopy(data)
        for v, i in zip(varies, combo, strict=True):
            _set_path(one, v, v.values[i])
        given = " ".join(f"--vary {v.key}={v.texts[i]}" for v, i in zip(varies, combo,
                                                                         strict=True))
        scenario = parse_scenario(one, f"{source} with {given}", base)
        name = f"v{n:0{width}d}_" + "_".join(f"{_slug(_label(v.key))}-{_slug(v.texts[i])}"
                                             for v, i in zip(varies, combo, strict=True))
        out.append(Variant(name=name, values={v.key: v.values[i]
                                              for v, i in zip(varies, combo, strict=True)},
                           scenario=scenario))
    return out


def load_variants(path: str | Path, specs: list[str]) -> list[Variant]:
    """Read a scenario file and build the variants of the ``--vary`` options.

    Parameters
    ----------
    path : str or pathlib.Path
        The scenario YAML (validated as it is first).
    specs : list of str
        ``KEY=V1,V2,...`` strings.

    Returns
    -------
    list of Variant
    """
    path = Path(path)
    data = load_yaml(path, "the scenario")  # read once, in any encoding tables accept
    parse_scenario(data, str(path), path.parent)  # the file's own errors first
    return build_variants(data, [parse_vary(s) for s in specs], base=path.parent.resolve(),
                          source=str(path))


# --------------------------------------------------------------------------- workers
@dataclass
class VariantResult:
    """What a worker returns for one variant: plain data, no solver or region objects.

    Attributes
    ----------
    name : str
    values : dict
        Varied key -> value.
    status : str
        The solver's status (``optimal``, ``feasible``, ...) or ``error``.
    message : str
        One line: why the variant failed (empty when it did not).
    plan : Plan or None
        The optimised plan with its KPIs and ``meta`` (objective, bound, gap, seconds).
    comparison : pandas.DataFrame or None
        :func:`planner.pipeline.compare` of today's network and the plan.
    standards : pandas.DataFrame or None
        :func:`planner.assess.kpis.standards_report` of the plan.
    worker : str
        Address of the worker that ran it (``local`` outside a cluster).
    seconds : float
        Wall time of the run on the worker.
    """

    name: str
    values: dict[str, Any]
    status: str
    message: str = ""
    plan: Plan | None = None
    comparison: pd.DataFrame | None = None
    standards: pd.DataFrame | None = None
    worker: str = "local"
    seconds: float = 0.0


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def run_variant(name: str, values: dict[str, Any], scenario: Scenario) -> VariantResult:
    """Run one variant (on a worker): the whole pipeline, returned as plain data.

    Parameters
    ----------
    name : str
    values : dict
    scenario : Scenario

    Returns
    -------
    VariantResult
        Status ``error`` and the one-line message when the pipeline raised; a variant's
        failure never raises here, so that it cannot end the sweep.
    """
    from planner import pipeline

    start = time.perf_counter()
    worker = _worker_address()
    try:
        run = pipeline.run(scenario)
    except PlannerError as exc:
        return VariantResult(name, values, "error", _one_line(str(exc)), worker=worker,
                             seconds=time.perf_counter() - start)
    except Exception as exc:  # a bug in one variant must not end the sweep
        return VariantResult(name, values, "error",
                             _one_line(f"unexpected {type(exc).__name__}: {exc}"),
                             worker=worker, seconds=time.perf_counter() - start)
    return VariantResult(name, values, str(run.plan.meta.get("status", "")), plan=run.plan,
                         comparison=run.kpis, standards=run.standards, worker=worker,
                         seconds=time.perf_counter() - start)


@contextlib.contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """Yield a Dask client connected to ``scheduler``, or to a new local cluster."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise PlannerError(f"--scheduler {scheduler}: cannot connect ({_one_line(exc)}); "
                               "give the address of a running Dask scheduler, e.g. "
                               "tcp://host:8786, or leave --scheduler out") from None
        with client:
            yield client
        return
    if workers < 1:
        raise InputError(f"--workers {workers}: give 1 or more workers")
    # no dashboard; the scheduler's HTTP routes on a free port, not on a busy 8787
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                      silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def run_sweep(variants: list[Variant], *, workers: int = 2, scheduler: str | None = None,
              on_result: Callable[[VariantResult], None] | None = None
              ) -> list[VariantResult]:
    """Solve the variants on a Dask cluster.

    Parameters
    ----------
    variants : list of Variant
    workers : int
        Worker processes of the local cluster (one thread each); ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``distributed.Client(scheduler)``); default a
        new ``LocalCluster``, closed at the end.
    on_result : callable, optional
        Called on the client with each result as it arrives (e.g. to write its files and
        show progress).

    Returns
    -------
    list of VariantResult
        In the order of ``variants``, whichever worker finished first.
    """
    from distributed import as_completed

    results: dict[str, VariantResult] = {}
    with _client(workers, scheduler) as client:
        futures = {client.submit(run_variant, v.name, v.values, v.scenario, pure=False): v
                   for v in variants}
        for fut in as_completed(list(futures)):
            v = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # a worker died or the task could not run
                res = VariantResult(v.name, v.values, "error",
                                    _one_line(f"the worker failed: {type(exc).__name__}: "
                                              f"{exc}"))
            results[v.name] = res
            if on_result is not None:
                on_result(res)
    return [results[v.name] for v in variants]


# --------------------------------------------------------------------------- outputs
def write_variant(out: str | Path, variant: Variant, result: VariantResult) -> list[Path]:
    """Write one variant's files to ``out/<variant name>/``, atomically.

    ``scenario.yaml`` always; ``plan.gpkg``, ``kpis.csv`` and ``standards.csv`` when it
    solved, else ``error.txt`` (and the plan files of an earlier sweep there are removed,
    so that no stale plan stands beside a failure).

    Returns
    -------
    list of pathlib.Path
        The written files.
    """
    folder = Path(out) / variant.name
    text = yaml.safe_dump(variant.scenario.model_dump(mode="json", exclude_unset=True),
                          sort_keys=False, allow_unicode=True)
    written = [atomic_write(folder / "scenario.yaml",
                            lambda tmp: tmp.write_text(text, encoding="utf-8"))]
    names = files.VARIANT
    if result.plan is None:
        for name in names.files():
            (folder / name).unlink(missing_ok=True)
        written.append(atomic_write(folder / "error.txt", lambda tmp: tmp.write_text(
            result.message + "\n", encoding="utf-8")))
        return written
    (folder / "error.txt").unlink(missing_ok=True)
    tables = files.write_outputs(folder, files.Outputs(
        result.plan, kpis=result.comparison, standards=result.standards), names)
    return written + list(tables.values())


def summary_table(results: list[VariantResult]) -> pd.DataFrame:
    """One row per variant: the varied values, the solver's report and the KPIs.

    Columns: ``variant``, each varied key, ``status``, ``message``, ``objective``,
    ``bound``, ``gap``, ``seconds`` (solver), ``annual_cost_eur`` (all organisations), and
    per organisation ``<org>_within_standard`` (share of residents within its standard),
    ``<org>_annual_cost_eur`` and ``<org>_offices``/``_shared``/``_popup``/``_remote``
    (sites per mode), then ``worker``.

    Returns
    -------
    pandas.DataFrame
    """
    rows = []
    for r in results:
        row: dict[str, Any] = {"variant": r.name, **r.values, "status": r.status,
                               "message": r.message}
        if r.plan is not None and r.comparison is not None:
            meta = r.plan.meta
            row.update({k: meta.get(k) for k in ("objective", "bound", "gap", "seconds")})
            comp = r.comparison
            row["annual_cost_eur"] = float(comp.loc["all", "cost_after_eur"])
            for org in comp.index:
                if org == "all":
                    continue
                for suffix, col in ORG_COLUMNS.items():
                    row[f"{org}_{suffix}"] = comp.loc[org, col]
        row["worker"] = r.worker
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in table.columns:  # site counts stay integers beside failed variants' blanks
        if col.endswith(("_offices", "_shared", "_popup", "_remote")):
            table[col] = table[col].astype("Int64")
    tail = [c for c in table.columns if c != "worker"] + ["worker"]
    return table[tail]


def write_summary(out: str | Path, results: list[VariantResult]) -> Path:
    """Write ``out/summary.csv`` (:func:`summary_table`, full precision), atomically."""
    table = summary_table(results)
    return atomic_write(Path(out) / "summary.csv",
                        lambda tmp: table.to_csv(tmp, index=False))
