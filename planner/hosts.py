"""Who may host: partners' premises and the agreements to share them.

A candidate site belongs to a host organisation (``host_org``: ``kela``, ``municipality``,
``county``, ``employment`` or ``other``) and carries a host agreement (``host_agreement``):

``yes``
    The host has agreed to (or, for its own existing premises, can decide to) take in other
    organisations.
``to_verify``
    Nothing is agreed yet: the premises are a candidate to be checked with the host.
``no``
    The host refuses; the site never hosts other organisations.

The four partners of the shared service network (:data:`PARTNERS`) share premises among
themselves, so their sites are usable while the agreement is ``yes`` or ``to_verify``. A
non-partner's premises (``other``: ministries, state agencies, private clinics,
universities) are a suggestion only: usable when agreed (``yes``), or when suggestions are
asked for.

:func:`classify_host` tells a mapped place's host organisation (OpenStreetMap POIs, the
service catalogue) from its kind, name and operator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.errors import InputError

#: The organisations of the shared network, who share premises among themselves.
PARTNERS = ("kela", "municipality", "county", "employment")
#: Values of a site's ``host_agreement``.
AGREEMENTS = ("yes", "to_verify", "no")

#: Libraries of the City of Helsinki known by name (the demo's OSM extract has no operator
#: tag on them); other untagged libraries are ``other`` until a sites file says otherwise.
CITY_LIBRARY_NAMES = ("Oodi", "Rikhardinkadun kirjasto")
#: Kinds of health and social premises: hosted by the wellbeing services county.
HEALTH_KINDS = ("health_station", "health_facility", "social_office")

_KELA = re.compile(r"\b(?:kela|kelan|fpa)\b|kansaneläkelaitos|folkpensionsanstalt"
                   r"|social insurance institution")
#: State bodies and universities: never a partner (substrings, Finnish compounds included).
NON_PARTNER_WORDS = ("yliopisto", "university", "universitet", "korkeakoulu",
                     "kansalliskirjasto", "national library", "ministeriö", "ministry",
                     "ministeriet", "virasto", "valtio", "verotoimisto", "verohallinto",
                     "agency", "poliisi", "puolustusvoimat")
#: Private companies: never a partner (matched at the start of a word).
_PRIVATE = re.compile(r"\b(?:oy|oyj|ab|ltd|inc)\b|\b(?:terveystalo|mehiläi|diacor|pihlajalinna"
                      r"|attendo|aava|dextra|coronaria|lääkäriasema|lääkärikeskus|yksityi)")
#: Wellbeing services counties (and the joint authority HUS).
_COUNTY = re.compile(r"hyvinvointialue|hyvinvointiyhtymä|välfärdsområde"
                     r"|wellbeing services county|\bhus\b")
#: Public employment services.
EMPLOYMENT_WORDS = ("työllisyyspalvelu", "te-palvelu", "te-toimisto", "työvoimatoimisto",
                    "työllisyysalue", "employment service", "employment office",
                    "arbetskraftsbyrå", "sysselsättning")
#: Public primary health and social care premises, by name.
HEALTH_STATION_WORDS = ("terveysasema", "terveyskeskus", "hälsostation", "hälsocentral",
                        "sote-keskus", "sotekeskus", "health station", "health centre",
                        "health center", "neuvola", "sosiaalitoimisto", "sosiaaliasema")
#: The municipality (city, kunta, kaupunki; Swedish and English), at the start of a word so
#: that "pääkaupunkiseudun" or "valtakunnansovittelija" do not count.
_MUNICIPAL = re.compile(r"\b(?:kaupunki|kaupungin|kunta|kunnan|stad\b|stads|staden"
                        r"|kommun(?:en|ens|al)?\b|city of|town of|municipality|municipal"
                        r"|keskustakirjasto)")
_CITY_LIBRARY = re.compile("|".join(rf"\b{re.escape(n.lower())}\b"
                                    for n in CITY_LIBRARY_NAMES))


def classify_host(kind: str, name: str, operator: object = None) -> str:
    """Tell the host organisation of a mapped place (OSM POI or service catalogue entry).

    Parameters
    ----------
    kind : str
        The planner's kind of place (``library``, ``town_hall``, ``community_centre``,
        ``government_office``, ``health_facility``, ``health_station`` ...).
    name : str
        The place's name.
    operator : object, optional
        Its operator (OSM ``operator`` tag); anything but a string counts as none.

    Returns
    -------
    str
        One of ``kela``, ``municipality``, ``county``, ``employment`` or ``other``, by the
        first rule that applies, on the operator and name together (case-insensitive):

        1. Kela (``Kela``, ``Kelan``, ``FPA``, ``Kansaneläkelaitos``) -> ``kela``.
        2. Universities, ministries and state agencies (:data:`NON_PARTNER_WORDS`:
           ``yliopisto``, ``ministeriö``, ``virasto``, ``valtion`` ...) -> ``other``.
        3. A wellbeing services county (``hyvinvointialue``, HUS) -> ``county``.
        4. Private companies and clinics (``Oy``, ``Terveystalo``, ``Mehiläinen``,
           ``lääkäriasema`` ...) -> ``other``.
        5. Employment services (``työllisyyspalvelut``, ``TE-palvelut``) -> ``employment``.
        6. Health and social premises (:data:`HEALTH_KINDS`): a health station (kind
           ``health_station`` or ``terveysasema``, ``terveyskeskus`` ... in the name) or
           one run by the city -> ``county`` (the city runs health services where it is
           its own county, as Helsinki does); any other clinic -> ``other``.
        7. Town halls, places whose operator or name says the municipality (``kaupunki``,
           ``kaupungin``, ``kunta``, ``kunnan``, ``stad`` ... at the start of a word,
           ``keskustakirjasto``) and the libraries of :data:`CITY_LIBRARY_NAMES`
           -> ``municipality``.
        8. Anything else (untagged libraries and community centres, other offices)
           -> ``other``: correct them with an own sites file.

    Examples
    --------
    >>> classify_host("library", "Helsingin keskustakirjasto Oodi")
    'municipality'
    >>> classify_host("health_facility", "Kallion terveysasema", "Helsingin kaupunki")
    'county'
    >>> classify_host("government_office", "Ympäristöministeriö")
    'other'
    """
    op = operator if isinstance(operator, str) else ""
    name = name if isinstance(name, str) else ""
    text = f"{op} | {name}".lower()
    if _KELA.search(text):
        return "kela"
    if any(w in text for w in NON_PARTNER_WORDS):
        return "other"
    if _COUNTY.search(text):
        return "county"
    if _PRIVATE.search(text):
        return "other"
    if any(w in text for w in EMPLOYMENT_WORDS):
        return "employment"
    municipal = bool(_MUNICIPAL.search(text))
    health_name = any(w in text for w in HEALTH_STATION_WORDS)
    if kind in HEALTH_KINDS or health_name:
        return "county" if kind == "health_station" or health_name or municipal else "other"
    if kind == "town_hall" or municipal:
        return "municipality"
    if kind == "library" and _CITY_LIBRARY.search(name.lower()):
        return "municipality"
    return "other"


def default_agreement(existing: bool) -> str:
    """Return the host agreement a site gets when its source says nothing, whoever its host.

    Parameters
    ----------
    existing : bool
        True when the site is an existing service point of the network (an office, or a
        point that can host), i.e. an organisation's own premises.

    Returns
    -------
    str
        ``yes`` for an organisation's own existing premises (it decides itself);
        ``to_verify`` for any other place: another partner's premises found in OSM or the
        service catalogue (a municipal library, town hall, community centre, health
        station) and a non-partner's (``other``), which is a suggestion only (see
        :func:`usable_hosts`). Never ``no``: a refusal must be stated.
    """
    # a partner's premises need its consent; a non-partner's (``other``) are only suggested,
    # which usable_hosts tells apart by host_org
    return "yes" if existing else "to_verify"


def usable_hosts(host_org: pd.Series | np.ndarray | Sequence[str],
                 agreement: pd.Series | np.ndarray | Sequence[str],
                 suggestions: bool = False) -> np.ndarray:
    """Tell which sites may host other organisations.

    Parameters
    ----------
    host_org : pandas.Series, numpy.ndarray or sequence of str
        Host organisation of every site.
    agreement : pandas.Series, numpy.ndarray or sequence of str
        Host agreement of every site (:data:`AGREEMENTS`), in the same order.
    suggestions : bool
        Also use non-partners' premises whose agreement is still ``to_verify``.

    Returns
    -------
    numpy.ndarray of bool
        True where the agreement is not ``no`` and the host is a partner
        (:data:`PARTNERS`), or the agreement is ``yes``, or ``suggestions`` is on and the
        agreement is ``to_verify``. Positional: a Series' index is not used.

    Raises
    ------
    InputError
        When an agreement is not one of :data:`AGREEMENTS`.
    ValueError
        When the two inputs differ in length.
    """
    org = pd.Series(np.asarray(host_org, dtype=object))
    agr = pd.Series(np.asarray(agreement, dtype=object))
    if len(org) != len(agr):
        raise ValueError(f"host_org has {len(org)} values, agreement {len(agr)}")
    bad = ~agr.isin(AGREEMENTS)
    if bad.any():
        raise InputError(f"host_agreement {agr[bad].iloc[0]!r} is not one of "
                         f"{', '.join(AGREEMENTS)}; fix the sites")
    partner = org.isin(PARTNERS)
    ok = (agr == "yes") | (partner & (agr == "to_verify"))
    if suggestions:
        ok |= agr == "to_verify"
    return ok.to_numpy(dtype=bool)
