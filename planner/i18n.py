"""The language of what a person reads: messages and number formats.

Messages are in English, Finnish and Swedish, and numbers in each language's format.

Messages are written in English in the code, marked with ``_`` (or ``N_`` where they are
translated later, ``pgettext`` where one English word has two meanings, ``mark.pgettext``
where such a message is translated later); their Finnish and
Swedish translations are gettext catalogues, ``planner/locale/<lang>/LC_MESSAGES/planner.po``,
compiled with Babel when first used (no build step). English is the messages themselves.

The terms follow the glossary of the design notes: Kela; hyvinvointialue / välfärdsområde
(wellbeing services county); työllisyysalue / sysselsättningsområde (employment area);
yhteispalvelupiste / samservicepunkt (shared premises); etäpalvelu / distanstjänst (remote
service). ``term`` gives the label of an organisation, service mode or action code.

The language is one per run: :func:`language` sets it for a block (a context variable, so a
thread or task started inside keeps its own), ``_`` and the formatters read it.

Updating the catalogues after changing messages (Babel's command line)::

    pybabel extract -F babel.cfg --no-location --sort-output -o planner/locale/planner.pot planner
    pybabel update -i planner/locale/planner.pot -d planner/locale -D planner -w 100 \
        --ignore-obsolete
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from planner.errors import InputError

__all__ = ["LANGUAGES", "N_", "current", "fmt_date", "fmt_eur", "fmt_number", "fmt_percent",
           "gettext",
           "language", "mark", "ngettext", "pgettext", "resolve", "term"]

#: The languages of the outputs; English is the messages as written in the code.
LANGUAGES = ("en", "fi", "sv")
DOMAIN = "planner"
LOCALE_DIR = files("planner") / "locale"
#: Babel locale of each language (numbers, dates).
_LOCALES = {"en": "en_GB", "fi": "fi_FI", "sv": "sv_FI"}
_current: ContextVar[str] = ContextVar("planner_language", default="en")
_DASH = "\u2013"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalogue without translating it (translated where used)."""
    return message


class _Marks:
    """No-op markers of messages translated where they are used (Babel finds them by name)."""

    @staticmethod
    def pgettext(context: str, message: str) -> tuple[str, str]:
        """Return ``(context, message)`` untranslated, marked for the catalogue."""
        return context, message


#: ``mark.pgettext("column", "visits")`` marks a message and its context for the catalogue
#: without translating it (``N_`` with a context): it is the pair ``("column", "visits")``,
#: translated where used by :func:`pgettext`.
mark = _Marks()


def resolve(lang: str | None, default: str | None = None) -> str:
    """Return the language to use: ``lang``, else ``default``, else English.

    Raises
    ------
    InputError
        When the language is not one of ``LANGUAGES``.
    """
    chosen = (lang or default or "en").strip().lower()
    if chosen not in LANGUAGES:
        raise InputError(gettext("language {lang} is not supported; use one of "
                                 "{languages}").format(lang=repr(chosen),
                                                       languages=", ".join(LANGUAGES)))
    return chosen


def current() -> str:
    """Return the language in effect (``en`` unless :func:`language` set another)."""
    return _current.get()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Use ``lang`` (``None``: keep the language in effect) inside the block.

    Yields
    ------
    str
        The language in effect inside the block.
    """
    token = _current.set(resolve(lang, current()))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def translations(lang: str) -> NullTranslations:
    """Return the compiled catalogue of ``lang`` (English: none; messages stand as written)."""
    if lang == "en":
        return NullTranslations()
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def gettext(message: str) -> str:
    """Return ``message`` in the language in effect."""
    return translations(current()).gettext(message)


_ = gettext


def pgettext(context: str, message: str) -> str:
    """Return ``message`` in the language in effect, as meant in ``context`` (``column``...)."""
    return translations(current()).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return ``singular`` or ``plural`` for ``n``, in the language in effect."""
    return translations(current()).ngettext(singular, plural, n)


# --------------------------------------------------------------------------- terms
#: The glossary's codes: organisations, service modes, actions, roles, yes/no; the label of
#: each (in English, translated by ``term``).
TERMS: dict[str, str] = {
    "kela": N_("Kela"),
    "municipality": N_("municipality"),
    "county": N_("wellbeing services county"),
    "employment": N_("employment area"),
    "other": N_("other"),
    "all": N_("all"),
    "office": N_("office"),
    "shared": N_("shared premises"),
    "popup": N_("pop-up"),
    "remote": N_("remote service point"),
    "closed": N_("closed"),
    "keep": N_("keep"),
    "open": N_("open"),
    "close": N_("close"),
    "move": N_("move"),
    "host": N_("host"),
    "tenant": N_("tenant"),
    "lessor": N_("lessor"),
    "yes": N_("yes"),
    "no": N_("no"),
    "to_verify": N_("to verify"),
    "new": N_("new"),
    "already": N_("already broken"),
    "met": N_("met"),
    "fixed": N_("fixed"),
    "optimal": N_("optimal"),
    "feasible": N_("feasible"),
    "time_limit": N_("time_limit"),  # the status code, as the README and plan meta say
    "floor_area": N_("floor area"),
    "desk_days": N_("desk-days"),
    "visits": N_("visits"),
    "equal": N_("equal shares"),
    "shapley": N_("Shapley value"),
    "nucleolus": N_("nucleolus"),
    "breach": N_("breach"),
    "note": N_("note"),
    "employment_area": N_("employment area"),
}


def term(code: Any) -> str:
    """Return the label of a glossary code (``county`` -> ``hyvinvointialue`` in Finnish).

    Any other value is returned as it is.
    """
    if isinstance(code, bool):
        code = "yes" if code else "no"
    text = str(code)
    label = TERMS.get(text)
    return text if label is None else gettext(label)


# --------------------------------------------------------------------------- numbers
def _locale() -> Locale:
    return Locale.parse(_LOCALES[current()])


def _missing(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def fmt_number(value: Any, digits: int = 0) -> str:
    """Format ``value`` with ``digits`` decimals and the language's separators.

    Finnish ``1 234,5``, with a no-break space; English ``1,234.5``; missing: an en dash.
    """
    if _missing(value):
        return _DASH
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(float(value), format=pattern, locale=_locale(),
                                  decimal_quantization=True)


def fmt_percent(value: Any, digits: int = 0) -> str:
    """Format a share (0.853) as a percentage in the language's format (Finnish ``85,3 %``)."""
    if _missing(value):
        return _DASH
    loc = _locale()
    fraction = "." + "0" * digits if digits > 0 else ""
    pattern = loc.percent_formats[None].pattern.replace("#,##0", "#,##0" + fraction, 1)
    return numbers.format_percent(float(value), format=pattern, locale=loc,
                                  decimal_quantization=True)


def fmt_eur(value: Any) -> str:
    """Format euros, rounded to whole euros, with the language's separators and sign."""
    if _missing(value):
        return _DASH
    return f"{fmt_number(value)}\u00a0€"


def fmt_date(value: Any) -> str:
    """Format an ISO date (``2030-12-31`` or a ``datetime.date``) in the language's format.

    Finnish ``31.12.2030``, Swedish ``31 dec. 2030``, English ``31 Dec 2030``; text that is
    not a date as it is, missing: an en dash.
    """
    import datetime

    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return _DASH
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return dates.format_date(value, format="medium", locale=_locale())
