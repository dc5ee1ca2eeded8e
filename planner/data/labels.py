"""The workbook's sheet and column labels in the language of the run.

The English workbook keeps its machine-readable names (the CSV copies always do): sheet
``Summary``, column ``share_within_standard_today``. In Finnish and Swedish the sheets, the
header row and the glossary codes in the code columns (organisation, mode, action, role...)
are translated; numbers stay numbers (the spreadsheet shows them in its own locale).
"""

from __future__ import annotations

import pandas as pd

from planner.i18n import current, gettext, mark, pgettext, term

#: Columns whose values are glossary codes (``planner.i18n.TERMS``), shown as their label.
CODE_COLUMNS = ("organisation", "host_org", "mode", "action", "role", "status", "key",
                "method", "severity", "host_agreement", "fitout_paid_by", "level",
                "low_demand", "met", "met_today", "in_core")


#: The workbook's column headers: (context, message) pairs whose message is the column's
#: key (English headers are the keys themselves).
COLUMN_LABELS: tuple[tuple[str, str], ...] = (
    mark.pgettext("column", "organisation"),
    mark.pgettext("column", "standard"),
    mark.pgettext("column", "residents"),
    mark.pgettext("column", "share_within_standard_today"),
    mark.pgettext("column", "residents_within_standard"),
    mark.pgettext("column", "share_within_standard"),
    mark.pgettext("column", "mean_minutes"),
    mark.pgettext("column", "mean_minutes_today"),
    mark.pgettext("column", "p50_minutes"),
    mark.pgettext("column", "p90_minutes"),
    mark.pgettext("column", "max_minutes"),
    mark.pgettext("column", "unserved_visits"),
    mark.pgettext("column", "annual_cost_eur"),
    mark.pgettext("column", "annual_cost_eur_today"),
    mark.pgettext("column", "travel_value_eur"),
    mark.pgettext("column", "sites_office"),
    mark.pgettext("column", "sites_shared"),
    mark.pgettext("column", "sites_popup"),
    mark.pgettext("column", "sites_remote"),
    mark.pgettext("column", "site_id"),
    mark.pgettext("column", "site_name"),
    mark.pgettext("column", "host_org"),
    mark.pgettext("column", "host_agreement"),
    mark.pgettext("column", "mode"),
    mark.pgettext("column", "days_per_month"),
    mark.pgettext("column", "action"),
    mark.pgettext("column", "visits"),
    mark.pgettext("column", "staff_fte"),
    mark.pgettext("column", "premises_eur"),
    mark.pgettext("column", "services_eur"),
    mark.pgettext("column", "staff_eur"),
    mark.pgettext("column", "staff_travel_eur"),
    mark.pgettext("column", "sessions_eur"),
    mark.pgettext("column", "remote_eur"),
    mark.pgettext("column", "fitout_eur"),
    mark.pgettext("column", "closing_eur"),
    mark.pgettext("column", "lon"),
    mark.pgettext("column", "lat"),
    mark.pgettext("column", "area"),
    mark.pgettext("column", "group"),
    mark.pgettext("column", "minutes"),
    mark.pgettext("column", "min_popup_days"),
    mark.pgettext("column", "required_share"),
    mark.pgettext("column", "achieved_share_today"),
    mark.pgettext("column", "achieved_share"),
    mark.pgettext("column", "met"),
    mark.pgettext("column", "met_today"),
    mark.pgettext("column", "status"),
    mark.pgettext("column", "annual_cost_eur_plan"),
    mark.pgettext("column", "change_eur"),
    mark.pgettext("column", "change_share"),
    mark.pgettext("column", "plan_office_eur"),
    mark.pgettext("column", "plan_shared_eur"),
    mark.pgettext("column", "plan_popup_eur"),
    mark.pgettext("column", "plan_remote_eur"),
    mark.pgettext("column", "plan_closed_eur"),
    mark.pgettext("column", "travel_value_eur_today"),
    mark.pgettext("column", "travel_value_eur_plan"),
    mark.pgettext("column", "line"),
    mark.pgettext("column", "today_eur"),
    mark.pgettext("column", "plan_eur"),
    mark.pgettext("column", "saving_eur"),
    mark.pgettext("column", "point_id"),
    mark.pgettext("column", "recorded_visits"),
    mark.pgettext("column", "modelled_visits"),
    mark.pgettext("column", "difference_share"),
    mark.pgettext("column", "recorded_per_week"),
    mark.pgettext("column", "low_demand"),
    mark.pgettext("column", "plan_visits"),
    mark.pgettext("column", "own_m2"),
    mark.pgettext("column", "common_m2"),
    mark.pgettext("column", "desk_days"),
    mark.pgettext("column", "site_cost_eur"),
    mark.pgettext("column", "key"),
    mark.pgettext("column", "share_eur"),
    mark.pgettext("column", "fee_eur"),
    mark.pgettext("column", "income_eur"),
    mark.pgettext("column", "net_eur"),
    mark.pgettext("column", "term_end"),
    mark.pgettext("column", "fitout_paid_by"),
    mark.pgettext("column", "lines_eur"),
    mark.pgettext("column", "fees_paid_eur"),
    mark.pgettext("column", "fees_received_eur"),
    mark.pgettext("column", "fitout_moved_eur"),
    mark.pgettext("column", "budget_eur"),
    mark.pgettext("column", "method"),
    mark.pgettext("column", "alone_eur"),
    mark.pgettext("column", "in_core"),
    mark.pgettext("column", "role"),
    mark.pgettext("column", "core_note"),
    mark.pgettext("column", "note"),
    mark.pgettext("column", "share_of_site_cost"),
    mark.pgettext("column", "share_of_visits"),
    mark.pgettext("column", "value"),
    mark.pgettext("column", "rule"),
    mark.pgettext("column", "severity"),
    mark.pgettext("column", "message"),
    mark.pgettext("column", "level"),
    mark.pgettext("column", "age_group"),
    mark.pgettext("column", "residents_gaining"),
    mark.pgettext("column", "residents_losing"),
    mark.pgettext("column", "net_change"),
)


def sheet_label(name: str) -> str:
    """Return a sheet's name in the language in effect (English: as it is)."""
    labels = {
        "Summary": pgettext("sheet", "Summary"),
        "Decisions": pgettext("sheet", "Decisions"),
        "Access": pgettext("sheet", "Access"),
        "Costs": pgettext("sheet", "Costs"),
        "Savings": pgettext("sheet", "Savings"),
        "Visits": pgettext("sheet", "Visits"),
        "Agreements": pgettext("sheet", "Agreements"),
        "Budgets": pgettext("sheet", "Budgets"),
        "Cost sharing": pgettext("sheet", "Cost sharing"),
        "Shared sites": pgettext("sheet", "Shared sites"),
        "Run": pgettext("sheet", "Run"),
        "Checks": pgettext("sheet", "Checks"),
        "Access changes": pgettext("sheet", "Access changes"),
    }
    return labels.get(name, name)


def column_label(key: str) -> str:
    """Return a column's header in the language in effect (English: the key itself)."""
    return _column_labels().get(key, key)


def _column_labels() -> dict[str, str]:
    """Map every column key of ``COLUMN_LABELS`` to its header in the language in effect."""
    return {message: pgettext(context, message) for context, message in COLUMN_LABELS}


def localise_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return the workbook's tables in the language in effect.

    Sheet names, headers and code values are translated; in English the tables stay as
    they are.
    """
    if current() == "en":
        return tables
    labels = _column_labels()
    out = {}
    for name, df in tables.items():
        df = df.copy()
        run = name == "Run"  # key-value pairs: its keys are names, not sharing keys
        for col in () if run else CODE_COLUMNS:
            if col in df.columns:
                df[col] = [term(v) if isinstance(v, str | bool) else v
                           for v in df[col].astype(object)]
        if "note" in df.columns:  # the workbook's own notes (others stay as written)
            df["note"] = [gettext(v) if isinstance(v, str) and v else v for v in df["note"]]
        heads = {**labels, "key": pgettext("column", "item")} if run else labels
        df.columns = [heads.get(str(c), str(c)) for c in df.columns]
        out[sheet_label(name)] = df
    return out
