"""Shared helpers of the planner's configuration files (the scenario and the region spec).

Both files are YAML validated by strict pydantic models, and both report bad input the same
way, in one line naming the file and the key:

- :class:`Strict` is the base of every model: unknown keys are refused (a typo must not
  silently fall back to a default) and a validated model is frozen;
- :func:`load_yaml` reads a file's text (one line when it cannot be read, is empty, binary
  or in an unknown encoding) and parses it, naming the line of malformed YAML;
- :func:`require_mapping` refuses a document that is not a mapping of keys;
- :func:`validation_error` turns pydantic's :class:`~pydantic.ValidationError` into an
  :class:`~planner.errors.InputError`: a misspelt key is reported before the key it hides,
  with the closest allowed key (:func:`did_you_mean`), and a wrong value with what was given
  and what to do.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from planner.data.tables import LARGEST, decode_text, read_bytes
from planner.errors import InputError


def absurd_number(value: object, key: str = "") -> str | None:
    """Return why ``value`` (or a number inside a list or mapping) is absurd, else None.

    Parameters
    ----------
    value : object
        A validated field value: a number, or a list or mapping of them.
    key : str
        Where it is (for a number inside a mapping: ``visit_rates.age_0_14``).

    Returns
    -------
    str or None
        ``<key> <value> is not a finite number`` or ``... is above 1e+12 ...``.
    """
    if isinstance(value, dict):
        return next((m for k, v in value.items()
                     if (m := absurd_number(v, f"{key}.{k}" if key else str(k)))), None)
    if isinstance(value, list | tuple):
        return next((m for v in value if (m := absurd_number(v, key))), None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    where = f"{key} " if key else ""
    if value != value or value in (float("inf"), float("-inf")):
        return f"{where}{value} is not a finite number; give a number"
    if abs(value) > LARGEST:
        return (f"{where}{value:g} is beyond {LARGEST:g} in size, not a plausible value; "
                "check the number (a typo, an extra digit?)")
    return None


class Strict(BaseModel):
    """Base of the configuration models: unknown keys are refused, models are frozen.

    NaN and infinities are refused for every number (``allow_inf_nan``), and numbers of
    absurd size (:data:`LARGEST`), in mappings and lists too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _plausible(cls, value: object) -> object:
        why = absurd_number(value)
        if why is not None:
            raise ValueError(why)
        return value


def did_you_mean(word: str, choices: list[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string.

    Parameters
    ----------
    word : str
        What was written.
    choices : list of str
        What is allowed.

    Returns
    -------
    str
        The hint, with a leading space, or ``""`` when nothing is close.
    """
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Return the field names allowed at ``loc`` of ``model`` (for did-you-mean hints).

    Parameters
    ----------
    model : type of pydantic.BaseModel
        The top-level model.
    loc : tuple
        Location of a key, as pydantic reports it (its last part is the key itself).

    Returns
    -------
    list of str
        The fields of the model that holds the key (empty when there is none).
    """
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None or isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:  # a dict key, e.g. an organisation name: its values' model applies
            continue
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        current = next((a for a in (ann, *args)
                        if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return list(current.model_fields) if current is not None else []


def validation_error(exc: ValidationError, model: type[BaseModel], source: str,
                     section: str | None = None) -> InputError:
    """Return the one-line error for pydantic's report on a configuration file.

    Parameters
    ----------
    exc : pydantic.ValidationError
        What pydantic found.
    model : type of pydantic.BaseModel
        The model that was validated (for the allowed keys).
    source : str
        File name for the message.
    section : str, optional
        The key the model is read under (``"region"``): keys are then written bare below
        it (``region.municipalities``); without it they are quoted (``'travel.mode'``).

    Returns
    -------
    InputError
        ``<source>: unknown key <key> (did you mean <key>?); remove or rename it``,
        ``<source>: missing key <key>; add it`` or ``<source>: <key>: <what is wrong>
        (got <value>); fix the value``. A misspelt key also makes its correct name
        missing: the misspelling is reported first.
    """
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    path = ".".join(str(p) for p in loc)
    key = f"{section}.{path}" if section else repr(path or "(top level)")
    if err["type"] == "extra_forbidden":
        hint = did_you_mean(str(loc[-1]), allowed_keys(model, loc)) if loc else ""
        return InputError(f"{source}: unknown key {key}{hint}; remove or rename it")
    if err["type"] == "missing":
        return InputError(f"{source}: missing key {key}; add it")
    msg = err["msg"].removeprefix("Value error, ")
    if ";" not in msg:  # pydantic's own messages say what is wrong, not what to do
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        msg = f"{msg}{shown}; fix the value"
    where = ".".join(p for p in (section, path) if p)
    return InputError(f"{source}: {where + ': ' if where else ''}{' '.join(msg.split())}")


def require_mapping(data: object, source: str, what: str, hint: str = "") -> dict:
    """Return ``data`` if it is a mapping of keys, else raise one line saying what it is.

    Parameters
    ----------
    data : object
        The parsed YAML document.
    source : str
        File name for the message.
    what : str
        What the document is (``"the scenario"``).
    hint : str
        Appended to the message (``"; write it as ..."``).

    Returns
    -------
    dict
        ``data``.

    Raises
    ------
    InputError
        ``<source>: <what> must be a mapping of keys, got <type><hint>``.
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}: {what} must be a mapping of keys, got "
                         f"{type(data).__name__}{hint}")
    return data


def load_yaml(path: str | Path, what: str) -> object:
    """Load a YAML file, with one line naming the file (and the line) when it cannot be.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    what : str
        What it is (``"the scenario"``, ``"the region spec"``), for the messages.

    Returns
    -------
    object
        The parsed document (not yet validated).

    Raises
    ------
    InputError
        The file cannot be read, is empty, binary or neither UTF-8 nor Windows-1252
        (:func:`planner.data.tables.decode_text`), or is malformed YAML (``<path>: line
        <n> malformed YAML (<problem>); fix the indentation or quoting``).
    """
    path = Path(path)
    text, _ = decode_text(path, read_bytes(path, what), f"{what} (YAML)")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}:{where} malformed YAML ({getattr(exc, 'problem', exc)}); "
                         "fix the indentation or quoting") from None
