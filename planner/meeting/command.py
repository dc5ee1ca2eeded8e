"""``planner serve``: prepare the scenario, print the page's address, serve until Ctrl+C."""

from __future__ import annotations

import warnings
import webbrowser
from pathlib import Path

from rich.console import Console

from planner.i18n import current
from planner.i18n import gettext as _
from planner.meeting.app import create_app
from planner.meeting.meeting import Meeting
from planner.meeting.runner import LOOPBACK, address, listen, server

__all__ = ["run"]


def run(scenario: Path, plan: Path | None, port: int, host: str, browser: bool,
        console: Console) -> None:
    """Serve the meeting page in the foreground.

    Parameters
    ----------
    scenario : pathlib.Path
    plan : pathlib.Path, optional
        Start from this plan or proposal.
    port : int
        0: a free port.
    host : str
    browser : bool
        Open the page in the browser.
    console : rich.console.Console
        Where the address and the warnings are printed.
    """
    console.print(_("Preparing the scenario (region, travel times, today's network)…"))
    meeting = Meeting.open(scenario, plan)
    app = create_app(meeting, lang=current())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sock = listen(host, port)
    for w in caught:
        console.print(f"[red]{w.message}[/]", soft_wrap=True, highlight=False)
    url = address(sock, app.state.token)
    console.print(_("The meeting page: {url}").format(url=url), soft_wrap=True,
                  highlight=False)
    console.print(_("Stop with Ctrl+C."))
    if host != LOOPBACK:
        console.print(_("Warning: served on {host}, not only on this computer.").format(
            host=host), soft_wrap=True, highlight=False)
    if browser:
        webbrowser.open(url)
    try:
        server(app).run(sockets=[sock])
    finally:
        app.state.job.cancel()
