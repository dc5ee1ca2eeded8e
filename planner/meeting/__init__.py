"""The meeting page: change a proposal on the map and see costs, access and the split at once.

``planner serve SCENARIO`` (or :func:`serve` from a notebook) prepares the scenario once
(:class:`~planner.meeting.meeting.Meeting`) and serves a local page (FastAPI and uvicorn,
:mod:`~planner.meeting.app`) where the planners click a site, change each organisation's mode
there and see at once what ``planner evaluate`` would say of the proposal: the share within
each standard, the standards broken and where, the annual cost by line, the budgets after
the fees and the split of every shared site. "Optimise the rest" re-solves what they did not
lock (:mod:`~planner.meeting.optimise`); undo, redo and the downloads keep the meeting's
work (:mod:`~planner.meeting.state`).

The page listens on 127.0.0.1 only unless a host is named, and every request needs the
random token of the printed address.

It is an entry point like the command line: nothing imports it but :mod:`planner.cli` and
the package's public :func:`planner.serve`.

May import: ``planner.pipeline``, ``planner.assess``, ``planner.costing``, ``planner.model``,
``planner.problem``, ``planner.outputs``, ``planner.maps``, ``planner.data``,
``planner.network``.
"""

from __future__ import annotations

from pathlib import Path

from planner.i18n import resolve

__all__ = ["serve", "stop"]

_RUNNING: dict[str, object] = {}


def serve(scenario: str | Path, plan: str | Path | None = None, *, port: int = 0,
          host: str = "127.0.0.1", lang: str | None = None,
          open_browser: bool = False) -> str:
    """Serve the meeting page from a background thread and return its address.

    Parameters
    ----------
    scenario : str or pathlib.Path
        Scenario YAML.
    plan : str or pathlib.Path, optional
        Start from this plan (``plan.gpkg``) or proposal (CSV, workbook) instead of today's
        network.
    port : int
        Port (0: a free one).
    host : str
        Interface; anything but the loopback is served with a warning.
    lang : {"en", "fi", "sv"}, optional
        The page's first language (default: the scenario's).
    open_browser : bool
        Open the page in the browser.

    Returns
    -------
    str
        ``http://127.0.0.1:PORT/?token=...``; :func:`stop` ends the server.

    Notes
    -----
    "Optimise the rest" solves in a child process started by ``multiprocessing``'s
    ``spawn``: a script (not a notebook) that calls this needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    import webbrowser

    from planner.meeting.app import create_app
    from planner.meeting.meeting import Meeting
    from planner.meeting.runner import address, listen, run_in_thread

    meeting = Meeting.open(scenario, plan)
    app = create_app(meeting, lang=resolve(lang, meeting.scenario.lang))
    sock = listen(host, port)
    srv, _thread = run_in_thread(app, sock)
    url = address(sock, app.state.token)
    _RUNNING[url] = (srv, _thread, app)
    if open_browser:
        webbrowser.open(url)
    return url


def stop(url: str) -> None:
    """Stop the server :func:`serve` started at ``url`` (and any optimisation it runs)."""
    srv, thread, app = _RUNNING.pop(url)  # type: ignore[misc]
    app.state.job.cancel()
    srv.should_exit = True
    thread.join(timeout=5)
