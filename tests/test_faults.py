"""Faults injected mid-run: SIGKILL at many moments, two runs at once, a full disk.

Each run is ``planner run`` of the tiny region of ``tests/bad_inputs/_region`` (ten demand
points, straight-line walking, the municipal boundary from a cache filled once from the
recorded Statistics Finland payloads), in a child process where it is killed.

The folder ``--out`` first holds the outputs of an earlier run (the scenario renamed
"Earlier run", with a stricter standard and a higher value of time, so that its KPIs,
standards, map, plan and run sheet differ from the new run's). After a
kill it must hold exactly the earlier outputs or exactly the new ones (compared byte for
byte with an undisturbed run, except ``report_run.csv`` and ``report.xlsx``, which record
the seconds the solve took: those are checked to be whole and of the same run), and the
next run must clean up what the killed one left beside the folder.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import planner
import planner.cli
from planner.data import cache
from planner.data.fetch import fetch_region
from tests.data.test_cache import FakeFinland

REGION = Path(__file__).parent / "bad_inputs" / "_region"
ROOT = Path(planner.__file__).resolve().parents[1]
#: Files that record the time the run took (not byte-identical between runs).
TIMED = ("report_run.csv", "report.xlsx")


@dataclass
class Tiny:
    """The tiny region, its cache, two scenarios and the outputs of each alone."""

    folder: Path
    cache: Path
    new: Path
    earlier: Path
    new_out: dict[str, bytes]
    earlier_out: dict[str, bytes]
    stage_at: float  # seconds from the start until the outputs are being written
    ends_at: float  # seconds from the start until the run ends


def _env(tiny_cache: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), cache.CACHE_ENV: str(tiny_cache),
            "COLUMNS": "100"}


def _start(scenario: Path, out: Path, cache_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "planner.cli", "run", str(scenario),
                             "--out", str(out)], env=_env(cache_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _staging(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.planner-stage-*"))


def _listing(out: Path) -> frozenset[tuple[str, int]]:
    """Entries beside and in ``out`` with their times of change (not the lock file).

    The first change after the start is the first output being written, wherever the
    command writes it (into the folder, or a staging folder beside it).
    """
    seen = set()
    for folder in (out.parent, out):
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for e in entries:
            if e.name.endswith(".planner-lock"):
                continue
            try:
                seen.add((e.path, e.stat(follow_symlinks=False).st_mtime_ns))
            except FileNotFoundError:
                continue
    return frozenset(seen)


def _wait_for_writing(proc: subprocess.Popen, out: Path,
                      before: frozenset[tuple[str, int]]) -> None:
    while proc.poll() is None and _listing(out) == before:
        time.sleep(0.001)


def _timed_run(scenario: Path, out: Path, cache_dir: Path) -> tuple[float, float]:
    """Run undisturbed; return when it began to write its outputs and when it ended."""
    t0 = time.monotonic()
    before = _listing(out)
    proc = _start(scenario, out, cache_dir)
    _wait_for_writing(proc, out, before)
    stage_at = time.monotonic() - t0
    while proc.poll() is None:
        time.sleep(0.002)
    ends_at = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr.read().decode()
    return stage_at, ends_at


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tiny]:
    folder = tmp_path_factory.mktemp("faults")
    shutil.copytree(REGION, folder / "in")
    new = folder / "in" / "scenario.yaml"
    doc = yaml.safe_load(new.read_text(encoding="utf-8"))
    earlier = folder / "in" / "earlier.yaml"
    earlier.write_text(yaml.safe_dump({  # another plan: its tables differ too
        **doc, "name": "Earlier run", "costs": {"value_of_time_eur_per_hour": 20},
        "standards": [{"organisation": "all", "minutes": 15, "share": 0.8}]},
        sort_keys=False), encoding="utf-8")
    cache_dir = folder / "cache"
    fake = FakeFinland()
    real = cache.Fetcher.download
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(cache.Fetcher, "download",
                       lambda self, full: real(self, full.replace("https://geo.stat.fi",
                                                                  fake.base)))
            fetch_region(new, cache_dir)
    finally:
        fake.close()
    stage_at, ends_at = _timed_run(new, folder / "new", cache_dir)
    _timed_run(earlier, folder / "earlier", cache_dir)
    yield Tiny(folder, cache_dir, new, earlier, _snapshot(folder / "new"),
               _snapshot(folder / "earlier"), stage_at, ends_at)


def _which(out: Path, tiny: Tiny) -> str:
    """Tell whose outputs ``out`` holds whole: ``earlier`` or ``new`` (else fail)."""
    got = _snapshot(out)
    for name, want in (("earlier", tiny.earlier_out), ("new", tiny.new_out)):
        if set(got) != set(want):
            continue
        if all(got[f] == want[f] for f in want if f not in TIMED):
            run = (out / "report_run.csv").read_text(encoding="utf-8")
            assert ("Earlier run" in run) == (name == "earlier")
            with zipfile.ZipFile(out / "report.xlsx") as z:
                assert z.testzip() is None
            return name
    mixed = {f: ("earlier" if got.get(f) == tiny.earlier_out.get(f) else
                 "new" if got.get(f) == tiny.new_out.get(f) else "neither")
             for f in sorted(set(got) | set(tiny.new_out))}
    raise AssertionError(f"partial or mixed outputs: {mixed}")


#: Kill moments: (stage, fraction). ``compute``: a fraction of the time before the outputs
#: are written, from the start; ``write``: a fraction of the writing (and swapping) time,
#: from the moment the first output appears (in the folder or beside it).
MOMENTS = [("compute", k / 7) for k in range(1, 7)] + [("write", k / 14) for k in range(14)]
#: The moments of the default suite: one while computing, two while writing.
QUICK = [("compute", 3 / 7), ("write", 2 / 14), ("write", 9 / 14)]


def _kill_at(tiny: Tiny, out: Path, stage: str, fraction: float) -> None:
    t0 = time.monotonic()
    before = _listing(out)
    proc = _start(tiny.new, out, tiny.cache)
    if stage == "compute":
        time.sleep(fraction * tiny.stage_at)
    else:
        _wait_for_writing(proc, out, before)
        time.sleep(fraction * (tiny.ends_at - tiny.stage_at))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert time.monotonic() - t0 < 120


def _check_kills(tiny: Tiny, tmp_path: Path, moments: list[tuple[str, float]]) -> list[str]:
    out = tmp_path / "out"
    shutil.copytree(tiny.folder / "earlier", out)
    (out / "my notes.txt").write_text("the user's own file", encoding="utf-8")
    mine = {"my notes.txt": b"the user's own file"}  # kept by every run
    tiny = dataclasses.replace(tiny, earlier_out={**tiny.earlier_out, **mine},
                               new_out={**tiny.new_out, **mine})
    seen = []
    for stage, fraction in moments:
        _kill_at(tiny, out, stage, fraction)
        seen.append(_which(out, tiny))
        if seen[-1] == "new":  # start the next moment from the earlier outputs again
            shutil.rmtree(out)
            shutil.copytree(tiny.folder / "earlier", out)
            (out / "my notes.txt").write_text("the user's own file", encoding="utf-8")
    # an undisturbed run afterwards publishes and leaves nothing beside the folder
    proc = _start(tiny.new, out, tiny.cache)
    proc.wait()
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert _which(out, tiny) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], list(tmp_path.iterdir())
    return seen


def test_sigkill_while_computing_and_writing_leaves_whole_outputs(tiny: Tiny,
                                                                  tmp_path: Path) -> None:
    seen = _check_kills(tiny, tmp_path, QUICK)
    assert seen[0] == "earlier"  # killed while computing: the earlier outputs stand


@pytest.mark.slow
def test_sigkill_at_twenty_moments_leaves_whole_outputs(tiny: Tiny, tmp_path: Path) -> None:
    seen = _check_kills(tiny, tmp_path, MOMENTS)
    assert seen[:6] == ["earlier"] * 6
    assert "earlier" in seen[6:]  # some kills land while writing, before the swap


def test_a_second_run_into_the_same_folder_refuses_at_once(tiny: Tiny, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    out = tmp_path / "out"
    first = _start(tiny.new, out, tiny.cache)
    lock = tmp_path / ".out.planner-lock"
    while first.poll() is None and not lock.exists():
        time.sleep(0.001)
    monkeypatch.setenv(cache.CACHE_ENV, str(tiny.cache))
    second = CliRunner().invoke(planner.cli.app, ["run", str(tiny.new), "--out", str(out)])
    assert first.poll() is None  # refused while the first still runs
    assert second.exit_code == 2, second.output
    assert second.stderr.strip().splitlines() == [
        f"error: {out}: another planner command (process {first.pid}) is writing this "
        "folder; wait until it ends or choose another --out"]
    first.wait()
    assert first.returncode == 0, first.stderr.read().decode()
    assert _snapshot(out).keys() == tiny.new_out.keys()
    assert not lock.exists()


def test_a_killed_run_leaves_no_lock_stuck(tiny: Tiny, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = _start(tiny.new, out, tiny.cache)
    lock = tmp_path / ".out.planner-lock"
    while first.poll() is None and not lock.exists():
        time.sleep(0.001)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert lock.exists()  # left behind, but no process holds it
    monkeypatch.setenv(cache.CACHE_ENV, str(tiny.cache))
    again = CliRunner().invoke(planner.cli.app, ["run", str(tiny.new), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert not lock.exists() and not _staging(out)


def test_a_full_disk_gives_one_line_and_changes_nothing(tiny: Tiny, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The third CSV written stops half-way with ENOSPC, as a full disk does."""
    out = tmp_path / "out"
    shutil.copytree(tiny.folder / "earlier", out)
    before = _snapshot(out)
    real = pd.DataFrame.to_csv
    calls = []

    def full_disk(self: pd.DataFrame, path: object = None, *args: object,
                  **kwargs: object) -> object:
        calls.append(path)
        if len(calls) == 3 and path is not None:
            Path(str(path)).write_text("organisation,cost\nkela,12", encoding="utf-8")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    monkeypatch.setenv(cache.CACHE_ENV, str(tiny.cache))
    result = CliRunner().invoke(planner.cli.app, ["run", str(tiny.new), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {out}: the outputs could not be written: the disk "
                               "is full (")
    assert lines[0].endswith("; nothing in the folder was changed; free some space or "
                             "choose another --out")
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_working_directory_as_out_is_written_in_place(tiny: Tiny, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """``--out .``: the folder is not swapped (the shell stands in it); files move in whole."""
    out = tmp_path / "here"
    shutil.copytree(tiny.folder / "earlier", out)
    (out / "my notes.txt").write_text("the user's own file", encoding="utf-8")
    monkeypatch.chdir(out)
    monkeypatch.setenv(cache.CACHE_ENV, str(tiny.cache))
    result = CliRunner().invoke(planner.cli.app, ["run", str(tiny.new), "--out", "."])
    assert result.exit_code == 0, result.output
    assert Path.cwd() == out and out.is_dir()
    got = _snapshot(out)
    assert got.pop("my notes.txt") == b"the user's own file"
    assert got.keys() == tiny.new_out.keys()
    assert all(got[f] == tiny.new_out[f] for f in got if f not in TIMED)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]
