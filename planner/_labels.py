"""The workbook's sheet and column labels in the language of the run.

The English workbook keeps its machine-readable names (the CSV copies always do): sheet
``Summary``, column ``share_within_standard_today``. In Finnish and Swedish the sheets, the
header row and the glossary codes in the code columns (organisation, mode, action, role...)
are translated; numbers stay numbers (the spreadsheet shows them in its own locale).
"""

from __future__ import annotations

import pandas as pd

from planner.i18n import current, gettext, pgettext, term

#: Columns whose values are glossary codes (``planner.i18n.TERMS``), shown as their label.
CODE_COLUMNS = ("organisation", "host_org", "mode", "action", "role", "status", "key",
                "method", "severity", "host_agreement", "fitout_paid_by", "level",
                "low_demand", "met", "met_today", "in_core")


def sheet_label(name: str) -> str:
    """A sheet's name in the language in effect (English: as it is)."""
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
    """A column's header in the language in effect (English: the key itself)."""
    return _column_labels().get(key, key)


def _column_labels() -> dict[str, str]:
    return {
        "organisation": pgettext("column", "organisation"),
        "standard": pgettext("column", "standard"),
        "residents": pgettext("column", "residents"),
        "share_within_standard_today": pgettext("column", "share_within_standard_today"),
        "residents_within_standard": pgettext("column", "residents_within_standard"),
        "share_within_standard": pgettext("column", "share_within_standard"),
        "mean_minutes": pgettext("column", "mean_minutes"),
        "mean_minutes_today": pgettext("column", "mean_minutes_today"),
        "p50_minutes": pgettext("column", "p50_minutes"),
        "p90_minutes": pgettext("column", "p90_minutes"),
        "max_minutes": pgettext("column", "max_minutes"),
        "unserved_visits": pgettext("column", "unserved_visits"),
        "annual_cost_eur": pgettext("column", "annual_cost_eur"),
        "annual_cost_eur_today": pgettext("column", "annual_cost_eur_today"),
        "travel_value_eur": pgettext("column", "travel_value_eur"),
        "sites_office": pgettext("column", "sites_office"),
        "sites_shared": pgettext("column", "sites_shared"),
        "sites_popup": pgettext("column", "sites_popup"),
        "sites_remote": pgettext("column", "sites_remote"),
        "site_id": pgettext("column", "site_id"),
        "site_name": pgettext("column", "site_name"),
        "host_org": pgettext("column", "host_org"),
        "host_agreement": pgettext("column", "host_agreement"),
        "mode": pgettext("column", "mode"),
        "days_per_month": pgettext("column", "days_per_month"),
        "action": pgettext("column", "action"),
        "visits": pgettext("column", "visits"),
        "staff_fte": pgettext("column", "staff_fte"),
        "premises_eur": pgettext("column", "premises_eur"),
        "services_eur": pgettext("column", "services_eur"),
        "staff_eur": pgettext("column", "staff_eur"),
        "staff_travel_eur": pgettext("column", "staff_travel_eur"),
        "sessions_eur": pgettext("column", "sessions_eur"),
        "remote_eur": pgettext("column", "remote_eur"),
        "fitout_eur": pgettext("column", "fitout_eur"),
        "closing_eur": pgettext("column", "closing_eur"),
        "lon": pgettext("column", "lon"),
        "lat": pgettext("column", "lat"),
        "area": pgettext("column", "area"),
        "group": pgettext("column", "group"),
        "minutes": pgettext("column", "minutes"),
        "min_popup_days": pgettext("column", "min_popup_days"),
        "required_share": pgettext("column", "required_share"),
        "achieved_share_today": pgettext("column", "achieved_share_today"),
        "achieved_share": pgettext("column", "achieved_share"),
        "met": pgettext("column", "met"),
        "met_today": pgettext("column", "met_today"),
        "status": pgettext("column", "status"),
        "annual_cost_eur_plan": pgettext("column", "annual_cost_eur_plan"),
        "change_eur": pgettext("column", "change_eur"),
        "change_share": pgettext("column", "change_share"),
        "plan_office_eur": pgettext("column", "plan_office_eur"),
        "plan_shared_eur": pgettext("column", "plan_shared_eur"),
        "plan_popup_eur": pgettext("column", "plan_popup_eur"),
        "plan_remote_eur": pgettext("column", "plan_remote_eur"),
        "plan_closed_eur": pgettext("column", "plan_closed_eur"),
        "travel_value_eur_today": pgettext("column", "travel_value_eur_today"),
        "travel_value_eur_plan": pgettext("column", "travel_value_eur_plan"),
        "line": pgettext("column", "line"),
        "today_eur": pgettext("column", "today_eur"),
        "plan_eur": pgettext("column", "plan_eur"),
        "saving_eur": pgettext("column", "saving_eur"),
        "point_id": pgettext("column", "point_id"),
        "recorded_visits": pgettext("column", "recorded_visits"),
        "modelled_visits": pgettext("column", "modelled_visits"),
        "difference_share": pgettext("column", "difference_share"),
        "recorded_per_week": pgettext("column", "recorded_per_week"),
        "low_demand": pgettext("column", "low_demand"),
        "plan_visits": pgettext("column", "plan_visits"),
        "own_m2": pgettext("column", "own_m2"),
        "common_m2": pgettext("column", "common_m2"),
        "desk_days": pgettext("column", "desk_days"),
        "site_cost_eur": pgettext("column", "site_cost_eur"),
        "key": pgettext("column", "key"),
        "share_eur": pgettext("column", "share_eur"),
        "fee_eur": pgettext("column", "fee_eur"),
        "income_eur": pgettext("column", "income_eur"),
        "net_eur": pgettext("column", "net_eur"),
        "term_end": pgettext("column", "term_end"),
        "fitout_paid_by": pgettext("column", "fitout_paid_by"),
        "lines_eur": pgettext("column", "lines_eur"),
        "fees_paid_eur": pgettext("column", "fees_paid_eur"),
        "fees_received_eur": pgettext("column", "fees_received_eur"),
        "fitout_moved_eur": pgettext("column", "fitout_moved_eur"),
        "budget_eur": pgettext("column", "budget_eur"),
        "method": pgettext("column", "method"),
        "alone_eur": pgettext("column", "alone_eur"),
        "in_core": pgettext("column", "in_core"),
        "role": pgettext("column", "role"),
        "core_note": pgettext("column", "core_note"),
        "note": pgettext("column", "note"),
        "share_of_site_cost": pgettext("column", "share_of_site_cost"),
        "share_of_visits": pgettext("column", "share_of_visits"),
        "value": pgettext("column", "value"),
        "rule": pgettext("column", "rule"),
        "severity": pgettext("column", "severity"),
        "message": pgettext("column", "message"),
        "level": pgettext("column", "level"),
        "age_group": pgettext("column", "age_group"),
        "residents_gaining": pgettext("column", "residents_gaining"),
        "residents_losing": pgettext("column", "residents_losing"),
        "net_change": pgettext("column", "net_change"),
    }


def localise_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The workbook's tables with sheet names, headers and code values in the language in
    effect; English: the tables as they are.
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
