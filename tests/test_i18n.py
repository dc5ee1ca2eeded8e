"""The message catalogues and the language's number formats (planner.i18n)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from planner import i18n
from planner.data.labels import column_label, localise_tables, sheet_label

PACKAGE = Path(i18n.__file__).parent


def _extracted() -> set[tuple[str | None, str]]:
    """Return every message the code marks, as Babel extracts it: (context, singular).

    The markers are ``_``, ``N_``, ``pgettext`` (also ``mark.pgettext``) and ``ngettext``.
    """
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")]):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def _catalogue(lang: str):
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "planner.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_every_message_has_all_three_languages() -> None:
    messages = _extracted()
    assert len(messages) > 250  # the maps, the workbook, the printed tables, the errors
    for lang in ("fi", "sv"):
        cat = _catalogue(lang)
        for context, msgid in messages:
            entry = cat.get(msgid, context=context)
            assert entry is not None, (lang, context, msgid)  # in the catalogue
            assert not entry.fuzzy, (lang, msgid)
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            assert all(s.strip() for s in strings), (lang, msgid)  # translated
            # the placeholders of the English message survive the translation
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            for s in strings:
                assert _fields(s) == _fields(ids[0]), (lang, msgid, s)
        # nothing in the catalogue that the code no longer says
        stale = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in cat
                 if m.id} - messages
        assert not stale, (lang, sorted(map(str, stale)))


def _fields(text: str) -> set[str]:
    import string

    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_glossary_terms() -> None:
    # the design notes' glossary, in both languages
    expected = {"fi": {"county": "hyvinvointialue", "employment": "työllisyysalue",
                       "shared": "yhteispalvelupiste", "remote": "etäpalvelupiste",
                       "kela": "Kela", "municipality": "kunta"},
                "sv": {"county": "välfärdsområde", "employment": "sysselsättningsområde",
                       "shared": "samservicepunkt", "remote": "distanstjänstpunkt",
                       "kela": "FPA", "municipality": "kommun"}}
    for lang, terms in expected.items():
        with i18n.language(lang):
            for code, label in terms.items():
                assert i18n.term(code) == label, (lang, code)
    assert i18n.term("county") == "wellbeing services county"  # English outside any block
    assert i18n.term("S12") == "S12"  # not a code: as it is


def test_numbers_in_the_language_format() -> None:
    nbsp = "\u00a0"
    with i18n.language("fi"):
        assert i18n.fmt_number(1234.5, 1) == f"1{nbsp}234,5"
        assert i18n.fmt_number(1234567.49) == f"1{nbsp}234{nbsp}567"
        assert i18n.fmt_percent(0.853, 1) == f"85,3{nbsp}%"
        assert i18n.fmt_eur(80000) == f"80{nbsp}000{nbsp}€"
    with i18n.language("sv"):
        assert i18n.fmt_number(1234.5, 1) == f"1{nbsp}234,5"
    assert i18n.fmt_number(1234.5, 1) == "1,234.5"
    assert i18n.fmt_percent(0.0007, 2) == "0.07%"
    assert i18n.fmt_number(float("nan")) == "\u2013"
    assert i18n.fmt_date("2030-12-31") == "31 Dec 2030"
    with i18n.language("fi"):
        assert i18n.fmt_date("2030-12-31") == "31.12.2030"
    assert i18n.fmt_date("open-ended") == "open-ended"


def test_language_blocks_nest_and_unknown_languages_are_refused() -> None:
    with i18n.language("fi"):
        assert i18n.gettext("Today") == "Nykytila"
        with i18n.language("sv"):
            assert i18n.gettext("Today") == "Nuläge"
        with i18n.language(None):  # keeps the language in effect
            assert i18n.current() == "fi"
    assert i18n.gettext("Today") == "Today"
    with pytest.raises(i18n.InputError, match="'de' is not supported; use one of en, fi, sv"):
        i18n.resolve("de")


def test_workbook_labels() -> None:
    import pandas as pd

    tables = {"Summary": pd.DataFrame({"organisation": ["county", "all"],
                                       "share_within_standard": [0.9, 0.8]}),
              "Run": pd.DataFrame({"key": ["plan"], "value": ["optimised"]})}
    assert localise_tables(tables) is tables  # English: the machine-readable names
    with i18n.language("fi"):
        out = localise_tables(tables)
        assert sheet_label("Summary") == "Yhteenveto"
        assert column_label("share_within_standard") == "osuus normin sisällä, suunnitelma"
    assert list(out) == ["Yhteenveto", "Ajo"]
    assert list(out["Yhteenveto"].columns) == ["organisaatio",
                                               "osuus normin sisällä, suunnitelma"]
    assert out["Yhteenveto"]["organisaatio"].tolist() == ["hyvinvointialue", "kaikki"]
    assert out["Ajo"].columns.tolist() == ["tieto", "arvo"]
    assert out["Ajo"]["tieto"].tolist() == ["plan"]  # the run's keys are names
    assert tables["Summary"]["organisation"].tolist() == ["county", "all"]  # not changed
    # every sheet name fits Excel's 31 characters in every language
    from planner.outputs.report import SHEETS

    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            for name in (*SHEETS, "Checks", "Access changes"):
                assert len(sheet_label(name)) <= 31, (lang, name)
