"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyogrio

#: What a GeoPackage records as the time its layers changed: the same data, the same file.
GPKG_DATE = "2000-01-01T00:00:00Z"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write a file through a temporary file in the same folder, then rename it into place.

    A failed write leaves an existing file at ``path`` untouched and no temporary file
    behind. Missing parent folders are created; the file gets mode 0644.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    write : callable
        Called with a temporary path (which does not exist yet, same suffix) to write to.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers such as GDAL's GeoPackage driver want to create the file
    try:
        write(tmp)
        tmp.chmod(0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_csv(df: pd.DataFrame, path: str | Path, index: bool = True) -> Path:
    """Write a table as CSV (4 decimals) through :func:`atomic_write`."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, float_format="%.4f", index=index))


@contextmanager
def fixed_gpkg_date() -> Iterator[None]:
    """Make GDAL stamp GeoPackage layers with ``GPKG_DATE`` within the block.

    Not the time of writing (GDAL's ``OGR_CURRENT_DATE``), so that the same plan gives the
    same file; the setting before is restored after.
    """
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
