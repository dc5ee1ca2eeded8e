"""The meeting page's words, in the language of the page (the planner's catalogues).

The page asks for them once (``/api/texts?lang=fi``); every message is marked here for the
catalogues (``planner/locale``), and the glossary's codes (organisations, modes, statuses,
sharing keys) come from :data:`planner.i18n.TERMS`.
"""

from __future__ import annotations

from planner.i18n import N_, TERMS, gettext, language

__all__ = ["page_texts"]

#: Key -> English message of every text on the page.
TEXTS: dict[str, str] = {
    "title": N_("Meeting: shared service network"),
    "today": N_("Today"),
    "proposal": N_("Proposal"),
    "candidate": N_("candidate site"),
    "click_site": N_("Click a site on the map to see and change each organisation's mode "
                     "there (◉: its office today; a thick ring on the map)."),
    "mode_at_site": N_("Mode at this site"),
    "none": N_("none"),
    "days_month": N_("days/month"),
    "locked": N_("locked"),
    "unlock": N_("unlock"),
    "undo": N_("Undo"),
    "redo": N_("Redo"),
    "reset": N_("Back to the start"),
    "optimise": N_("Optimise the rest"),
    "cancel": N_("Cancel"),
    "solver": N_("Solver"),
    "cost": N_("cost"),
    "bound": N_("bound"),
    "gap": N_("gap"),
    "elapsed": N_("elapsed"),
    "solver_done": N_("The optimised plan is the proposal now (undo returns to yours)."),
    "solver_cancelled": N_("The optimisation was cancelled."),
    "download": N_("Download"),
    "download_csv": N_("proposal (CSV)"),
    "download_xlsx": N_("workbook"),
    "download_map": N_("map"),
    "share_within": N_("Share within the standard"),
    "annual_cost": N_("Annual cost, EUR"),
    "cost_by_line": N_("Annual cost by line, EUR"),
    "budgets": N_("Budgets after the fees, EUR"),
    "split": N_("Cost split of the shared sites, EUR"),
    "no_shared": N_("No site is shared premises in this proposal."),
    "broken": N_("Standards broken"),
    "none_broken": N_("The proposal meets every access standard."),
    "organisation": N_("Organisation"),
    "standard": N_("Standard"),
    "mean_minutes": N_("Mean minutes"),
    "total_cost": N_("Total cost (organisations + residents' time + unserved visits)"),
    "site": N_("Site"),
    "where": N_("Where"),
    "achieved": N_("reached"),
    "required": N_("required"),
    "residents_minutes": N_("Residents: minutes to in-person service"),
    "lines": N_("Line"),
    "premises_eur": N_("premises"),
    "services_eur": N_("shared services"),
    "staff_eur": N_("staff"),
    "staff_travel_eur": N_("staff travel"),
    "sessions_eur": N_("pop-up sessions"),
    "remote_eur": N_("remote points"),
    "fitout_eur": N_("fit-out"),
    "closing_eur": N_("closing"),
    "annual_cost_eur": N_("total"),
    "budget_eur": N_("budget"),
    "fees_paid_eur": N_("fees paid"),
    "fees_received_eur": N_("fees received"),
    "change_eur": N_("change"),
    "joint": N_("joint"),
    "key_method": N_("agreed key"),
    "rules": N_("Rules the proposal breaks"),
    "error": N_("Error"),
    "language": N_("Language"),
    "working": N_("Working…"),
}


def page_texts(lang: str) -> dict[str, str]:
    """Return every text of the page and every glossary term, in ``lang``.

    Parameters
    ----------
    lang : {"en", "fi", "sv"}

    Returns
    -------
    dict of str to str
        The keys of :data:`TEXTS`, and ``term.<code>`` for each glossary code.
    """
    with language(lang):
        out = {k: gettext(v) for k, v in TEXTS.items()}
        out.update({f"term.{k}": gettext(v) for k, v in TERMS.items()})
    return out
