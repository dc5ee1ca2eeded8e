"""Outputs published whole: a lock on the output folder, a staging folder, one swap.

A command that writes into ``--out`` does so inside a :class:`Publication`:

- **the lock**: taken at once, before anything is computed, on a lock file beside the
  folder (``.<name>.planner-lock``, :func:`fcntl.flock`); a second command on the same
  folder refuses at once with one line naming the process that holds it. The kernel
  releases the lock of a process that dies, even by SIGKILL, so a crashed run leaves
  none stuck; the file is removed when the command ends.
- **the staging folder**: the outputs are written into ``.<name>.planner-stage-<pid>``
  beside the folder (same file system), never into the folder itself;
- **the swap**: when every file is written, the staging folder gets hard links to
  whatever else the folder holds (earlier outputs not written again, the user's own
  files; a sub-folder written again is replaced whole), and the two folders are
  exchanged in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``; elsewhere
  two renames, and a run killed between them is repaired by the next one). Then the old
  folder is removed.

A command that fails or is killed before the swap leaves the folder as it was; one killed
after it leaves the new outputs. Leftover staging folders and lock files of a killed run
are hidden, and the next command on the folder removes them.

When the folder's parent cannot be written (``--out`` a writable folder under a read-only
one), or the folder is the working directory or holds it, the lock and the staging folder
go inside the folder and the files are moved in one by one (each whole, not all at once).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
from pathlib import Path
from types import TracebackType

from planner.errors import PlannerError
from planner.i18n import gettext as _

__all__ = ["Publication"]

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: a lock file with a PID instead
    fcntl = None  # type: ignore[assignment]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class Publication:
    """Lock an output folder now; write into :attr:`stage`; swap it in on success.

    Parameters
    ----------
    out : pathlib.Path
        The ``--out`` folder (checked by :func:`planner.outputs.output_folder`).

    Raises
    ------
    planner.errors.PlannerError
        At construction, when another command holds the folder. On leaving the block
        with an :class:`OSError` (a full disk, a file system error), one line saying so;
        the folder is unchanged.
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out).absolute()
        self._made: list[Path] = []
        parent = self.out.parent
        while not parent.exists():
            self._made.append(parent)
            parent = parent.parent
        for folder in reversed(self._made):
            folder.mkdir()
        self.inside = not _beside_ok(self.out)  # then the folder exists (output_folder)
        base, name = (self.out, "") if self.inside else (self.out.parent, f".{self.out.name}")
        self._lock_path = base / f"{name}.planner-lock"
        self._prefix = f"{name}.planner-stage-"
        self._old = base / f"{name}.planner-old"
        self._stage: Path | None = None
        self._staged_at: Path | None = None  # where the outputs were written (for moved)
        try:
            self._fd = _lock(self._lock_path, self.out)
        except BaseException:
            self._unmake()
            raise
        try:
            self._recover()
        except BaseException:
            self._release()
            raise

    # ------------------------------------------------------------------ the block
    def __enter__(self) -> Publication:
        """Return the publication (the lock is already held)."""
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Swap the outputs in when the block succeeded; always drop the stage and lock."""
        writing = self._stage is not None  # an OSError then comes from writing the outputs
        try:
            if kind is None:
                try:
                    self._publish()
                except OSError as err:
                    raise _write_error(self.out, err) from None
        finally:
            if self._stage is not None:
                shutil.rmtree(self._stage, ignore_errors=True)
            if kind is not None:
                self._unmake()
            self._release()
        if writing and isinstance(exc, OSError):
            raise _write_error(self.out, exc) from None

    @property
    def stage(self) -> Path:
        """The staging folder the outputs are written into (made on first use)."""
        if self._stage is None:
            base = self.out if self.inside else self.out.parent
            self._stage = self._staged_at = base / f"{self._prefix}{os.getpid()}"
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage.mkdir()
        return self._stage

    def moved(self, written: dict[str, Path]) -> dict[str, Path]:
        """Return the written paths as they are after the swap (inside :attr:`out`)."""
        if self._staged_at is None:
            return dict(written)
        return {k: self.out / Path(p).relative_to(self._staged_at) for k, p in written.items()}

    # ------------------------------------------------------------------ internals
    def _recover(self) -> None:
        """Remove what a killed command left (under the lock, nothing else writes here)."""
        base = self.out if self.inside else self.out.parent
        if self._old.exists() and not self.out.exists():  # killed between two renames
            self._old.rename(self.out)
        shutil.rmtree(self._old, ignore_errors=True)
        for stale in base.glob(f"{self._prefix}*"):
            shutil.rmtree(stale, ignore_errors=True)

    def _publish(self) -> None:
        stage = self._stage
        if stage is None:
            return
        _sync(stage)  # on disk before it is published: a crash after cannot leave it empty
        if self.inside:
            _move_in(stage, self.out)
            return
        if not self.out.exists():
            stage.rename(self.out)
            self._stage = None
            _sync_folder(self.out.parent)
            return
        _link_missing(self.out, stage)
        shutil.copymode(self.out, stage)
        if not _exchange(stage, self.out):
            self.out.rename(self._old)
            stage.rename(self.out)
            self._stage = self._old
        _sync_folder(self.out.parent)
        # the staging path holds the old folder now; __exit__ removes it

    def _unmake(self) -> None:
        """Remove the folders this command made, if they are still empty."""
        for folder in self._made:
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _release(self) -> None:
        with contextlib.suppress(OSError):
            self._lock_path.unlink()
        with contextlib.suppress(OSError):
            os.close(self._fd)


def _beside_ok(out: Path) -> bool:
    """Tell whether the lock and the staging folder can go beside ``out``."""
    if not os.access(out.parent, os.W_OK | os.X_OK):
        return False
    cwd = Path.cwd().resolve()
    return not (out.exists() and (cwd == out.resolve() or out.resolve() in cwd.parents))


def _lock(path: Path, out: Path) -> int:
    """Take the lock file ``path``; return its descriptor, or refuse at once."""
    for _attempt in range(20):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            elif _held_by_live_process(fd):  # pragma: no cover - Windows
                raise BlockingIOError
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise PlannerError(_("{out}: another planner command (process {pid}) is writing "
                                 "this folder; wait until it ends or choose another "
                                 "--out").format(out=out, pid=holder)) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:  # the holder removed it as we took it: take a new one
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            return fd
        os.close(fd)
    raise PlannerError(_("{out}: cannot take the lock {lock}; remove it if no planner "
                         "command runs").format(out=out, lock=path))


def _held_by_live_process(fd: int) -> bool:  # pragma: no cover - Windows only
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    if not text.isdigit() or int(text) == os.getpid():
        return False
    try:
        os.kill(int(text), 0)
    except OSError:
        return False
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False  # the file system cannot exchange: two renames instead
    raise OSError(err, os.strerror(err), str(b))


def _link(src: Path, dst: Path) -> None:
    """Hard-link a file (a copy where links are not possible); copy a symlink as one."""
    if src.is_symlink():
        dst.symlink_to(os.readlink(src))
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _link_missing(old: Path, new: Path) -> None:
    """Give ``new`` the entries of ``old`` it does not have (hard links).

    A folder the new outputs have replaces the old one whole (a sweep's variant folder:
    no plan of an earlier sweep stays beside a variant that failed now).
    """
    for entry in old.iterdir():
        target = new / entry.name
        if target.exists() or target.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_copy)
        else:
            _link(entry, target)


def _link_copy(src: str, dst: str) -> None:
    _link(Path(src), Path(dst))


def _move_in(stage: Path, out: Path) -> None:
    """Move every file of ``stage`` into ``out`` (each whole: a rename)."""
    for entry in sorted(stage.rglob("*")):
        if entry.is_file():
            target = out / entry.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(entry, target)


def _sync(folder: Path) -> None:
    """Flush every file under ``folder`` to the disk (``fsync``)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (its renames) to the disk, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows opens no folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def _write_error(out: Path, err: OSError) -> PlannerError:
    """Return the one line for a file system error while writing the outputs."""
    if err.errno == errno.ENOSPC:
        what = _("the disk is full")
        fix = _("free some space or choose another --out")
    elif err.errno == getattr(errno, "EDQUOT", None):
        what = _("the disk quota is used up")
        fix = _("free some space or choose another --out")
    else:
        what = err.strerror or type(err).__name__
        fix = _("check the folder and try again")
    where = f" ({err.filename})" if err.filename else ""
    return PlannerError(_("{out}: the outputs could not be written: {what}{where}; nothing "
                          "in the folder was changed; {fix}").format(
                              out=out, what=what, where=where, fix=fix))
