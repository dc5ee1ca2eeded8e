"""Tables as planners save them: CSV in any of the usual Finnish dialects, or XLSX.

A CSV from a spreadsheet in Finnish settings is semicolon-separated with decimal commas and
often in Windows-1252; one from elsewhere is comma-separated UTF-8, with or without a byte
order mark; Excel's "Unicode text" is tab-separated UTF-16 with a byte order mark (told by
charset-normalizer). :func:`read_table` reads all of them as text cells (numbers are parsed by the
caller, decimal commas included: :func:`parse_numbers`), and an XLSX workbook's first (or
named) sheet. What it detected is returned (:class:`TableFormat`) and named in any error.

A file that is empty, not text (binary), or cut short (a truncated download or copy) stops
with one line naming the file and what to do, before anything is written.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd

from planner.errors import InputError

#: Spreadsheet workbooks (read with openpyxl).
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Encodings tried in turn on a text table.
ENCODINGS = (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252"))
#: Field separators recognised, most specific first.
SEPARATORS = (";", "\t", ",")
#: The largest magnitude of a number in a table (a cost of 1e13 EUR, 10**15 residents):
#: above it a value is a typo, and sums of such values lose every cent or overflow.
LARGEST = 1e12
#: Bytes looked at to tell text from binary data.
SNIFF_BYTES = 65536
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class TableFormat:
    """How a table file was read.

    Attributes
    ----------
    kind : str
        ``"csv"`` or ``"xlsx"``.
    encoding : str
        ``"UTF-8"``, ``"UTF-8 with BOM"``, ``"Windows-1252"`` or ``"UTF-16 LE with BOM"``
        (and the other UTF-16/32 forms; empty for XLSX).
    separator : str
        The field separator of a CSV (empty for XLSX).
    """

    kind: str
    encoding: str = ""
    separator: str = ""

    def describe(self) -> str:
        """Describe the format, e.g. ``"semicolon-separated Windows-1252 text"``."""
        if self.kind == "xlsx":
            return "XLSX workbook"
        name = {";": "semicolon", ",": "comma", "\t": "tab"}.get(self.separator,
                                                                repr(self.separator))
        return f"{name}-separated {self.encoding} text"


def _binary_at(data: bytes) -> int | None:
    """Return the offset of the first NUL byte (text tables have none), else None."""
    at = data.find(b"\x00", 0, SNIFF_BYTES)
    return at if at >= 0 else None


def read_bytes(path: Path, what: str) -> bytes:
    """Return the bytes of ``path``; one line naming it when it cannot be read.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    what : str
        What it is (``"the scenario"``), for the message.

    Returns
    -------
    bytes

    Raises
    ------
    InputError
        ``<path>: cannot read <what> (<reason>); check the path``.
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} ({exc.strerror}); check the path"
                         ) from None


def _wide_text(data: bytes) -> tuple[str, str] | None:
    """Decode UTF-16 or UTF-32 text (Excel's "Unicode text"), found by charset-normalizer.

    Only a file that starts with such a byte order mark or holds NUL bytes (which UTF-8
    and Windows-1252 text never does) is looked at; anything else gives None, as does data
    that is not wide text (binary data).

    Returns
    -------
    tuple of (str, str) or None
        The text without its byte order mark and the encoding's label, e.g. ``"UTF-16 LE
        with BOM"``.
    """
    boms = {codecs.BOM_UTF32_LE: "UTF-32 LE", codecs.BOM_UTF32_BE: "UTF-32 BE",
            codecs.BOM_UTF16_LE: "UTF-16 LE", codecs.BOM_UTF16_BE: "UTF-16 BE"}
    bom = next((b for b in boms if data.startswith(b)), None)  # UTF-32 LE first: it starts
    if bom is None and _binary_at(data) is None:                # like UTF-16 LE
        return None
    best = charset_normalizer.from_bytes(data).best()
    if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
        return None
    if bom is not None:
        label = f"{boms[bom]} with BOM"
    else:
        label = best.encoding.replace("_", "-", 1).replace("_", " ").upper()
    return str(best).removeprefix("\ufeff"), label


def decode_text(path: Path, data: bytes, what: str) -> tuple[str, str]:
    """Decode a file's text: UTF-16/32 (with a BOM), UTF-8 (BOM or not), Windows-1252.

    UTF-16 and UTF-32, as Excel saves "Unicode text", are told by charset-normalizer
    (:func:`_wide_text`); other text is UTF-8 when it decodes as such, else Windows-1252.

    Parameters
    ----------
    path : pathlib.Path
        For the messages.
    data : bytes
        The file's content.
    what : str
        What the file is (``"the scenario"``, ``"the table"``), for the messages.

    Returns
    -------
    text : str
    encoding : str
        ``"UTF-8"``, ``"UTF-8 with BOM"``, ``"Windows-1252"``, ``"UTF-16 LE with BOM"``
        (``BE``, ``UTF-32``; ``"UTF-16 LE"`` without a BOM).

    Raises
    ------
    InputError
        When the file is empty, holds binary data, or is neither encoding.
    """
    if not data.strip():
        raise InputError(f"{path}: the file is empty ({len(data)} bytes); give {what} "
                         "(did the save or download stop?)")
    wide = _wide_text(data)
    if wide is not None:
        return wide
    at = _binary_at(data)
    if at is not None or data.startswith(_ZIP_MAGIC):
        where = f"a NUL byte at byte {at}" if at is not None else "a ZIP archive"
        raise InputError(f"{path}: not a text file (binary data: {where}); give {what} as "
                         "text (CSV in UTF-8 or Windows-1252, or YAML) or an .xlsx workbook")
    for codec, label in ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            label = "UTF-8 with BOM"
        return text, label
    raise InputError(f"{path}: neither UTF-8 nor Windows-1252 text; save {what} again as "
                     "UTF-8")


def _separator(text: str) -> str:
    """Return the separator of the header line: the one that occurs most outside quotes."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: (counts[s], -SEPARATORS.index(s)))
    return best if counts[best] > 0 else ","


def _records(path: Path, text: str, fmt: TableFormat) -> list[list[str]]:
    """Return the rows of a CSV text, checked for a cut-off end and rows of the wrong width."""
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=fmt.separator,
                                      strict=True) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise InputError(f"{path}: cannot read the {fmt.describe()} ({exc}); the file looks "
                         "truncated or a quote is not closed; save it again") from None
    if not rows:
        raise InputError(f"{path}: the file has no header row; give a table with one header "
                         "row")
    width = len(rows[0])
    ended = text.endswith(("\n", "\r"))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) == width:
            continue
        last = i == len(rows)
        if last and not ended and len(row) < width:
            raise InputError(f"{path}: row {i} has {len(row)} of {width} fields and the file "
                             "ends there: it looks truncated; save or copy it again")
        if len(row) > width:
            hint = (" (decimal commas in a comma-separated file? quote the numbers or save "
                    "with semicolons)" if fmt.separator == "," else "")
            raise InputError(f"{path}: row {i} has {len(row)} fields, the header {width}, "
                             f"read as {fmt.describe()}{hint}; fix the row")
        rows[i - 1] = row + [""] * (width - len(row))  # a short row: empty cells
    return rows


def _xlsx(path: Path, data: bytes, sheet: str | int | None) -> pd.DataFrame:
    if not data:
        raise InputError(f"{path}: the file is empty (0 bytes); save the workbook again")
    if not data.startswith(_ZIP_MAGIC):
        raise InputError(f"{path}: not an XLSX workbook (no ZIP signature); save it as .xlsx "
                         "(Excel 2007 or later) or as CSV")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            bad = z.testzip()
        if bad is not None:
            raise zipfile.BadZipFile(f"damaged member {bad}")
        return pd.read_excel(io.BytesIO(data), sheet_name=sheet if sheet is not None else 0,
                             dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook (truncated or damaged: "
                         f"{exc}); save or copy it again") from None
    except (ValueError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read the workbook ({first}); check the sheet name "
                         "and that the first row is the header") from None


def read_table(path: str | Path, *, sheet: str | int | None = None,
               comment: str | None = None) -> tuple[pd.DataFrame, TableFormat]:
    """Read a CSV (any separator and encoding above) or XLSX table as text cells.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.xlsx``/``.xlsm`` are workbooks; anything else is read as delimited text (a
        workbook saved under a ``.csv`` name is read as a workbook).
    sheet : str or int, optional
        Worksheet of a workbook (default the first).
    comment : str, optional
        Lines of a CSV starting with this are skipped (e.g. ``"#"``).

    Returns
    -------
    table : pandas.DataFrame
        One column per header cell (names stripped), cells as strings (NaN when empty) for
        CSV, as the workbook holds them for XLSX.
    fmt : TableFormat
        What was detected.

    Raises
    ------
    InputError
        One line naming the file: missing, empty, binary, truncated, rows of the wrong
        width (with the separator and encoding detected), an unreadable workbook.
    """
    path = Path(path)
    data = read_bytes(path, "the file")
    if path.suffix.lower() in XLSX_SUFFIXES or data.startswith(_ZIP_MAGIC):
        table = _xlsx(path, data, sheet)
        table.columns = [str(c).strip() for c in table.columns]
        return table, TableFormat("xlsx")
    text, encoding = decode_text(path, data, "the table")
    if comment:
        text = "".join(line for line in text.splitlines(keepends=True)
                       if not line.lstrip().startswith(comment))
    fmt = TableFormat("csv", encoding, _separator(text))
    rows = _records(path, text, fmt)
    header = [c.strip() for c in rows[0]]
    table = pd.DataFrame(rows[1:], columns=header, dtype=object)
    table = table.map(lambda v: v if v.strip() else np.nan)
    return table, fmt


def parse_numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse numbers of text cells, decimal commas, spaces and no-break spaces tolerated.

    Parameters
    ----------
    values : pandas.Series
        Cells (strings, numbers or missing).

    Returns
    -------
    numbers : pandas.Series
        Floats, NaN for empty cells.
    bad : numpy.ndarray
        True where a non-empty cell is not a number.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float), np.zeros(len(values), dtype=bool)
    text = values.astype("string").str.replace("\u00a0", "").str.replace(" ", "") \
        .str.replace("\u2212", "-").str.replace(",", ".")
    nums = pd.to_numeric(text, errors="coerce")
    bad = (nums.isna() & text.notna() & (text != "")).to_numpy(dtype=bool)
    return nums.astype(float), bad


def implausible(numbers: pd.Series) -> tuple[int, str] | None:
    """Find the first number that is infinite or of absurd size (:data:`LARGEST`).

    Parameters
    ----------
    numbers : pandas.Series
        Parsed numbers (NaN for empty cells, which are not looked at).

    Returns
    -------
    tuple of (int, str) or None
        The row's position and what is wrong with it (``is not a finite number``, ``is
        beyond 1e+12 in size ...``), or None when every number is plausible.
    """
    values = numbers.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        wrong = np.isinf(values) | (np.abs(values) > LARGEST)
    if not wrong.any():
        return None
    i = int(np.flatnonzero(wrong)[0])
    if np.isinf(values[i]):
        return i, "is not a finite number; give a number"
    return i, (f"is beyond {LARGEST:g} in size, not a plausible value (a typo, an extra "
               "digit?)")
