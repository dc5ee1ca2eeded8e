"""The meeting page's web application (FastAPI): the page, its API and the downloads.

Every request carries the meeting's token: ``?token=...`` in the address printed at start
(the page then keeps it in a cookie), the cookie, or an ``X-Planner-Token`` header. A
request without it gets 401, with a wrong one 403. Nothing the page sends is a file path
or code: the static files are a fixed list, the downloads fixed names, the request bodies
small JSON objects checked by pydantic (:data:`MAX_BODY_BYTES` at most). An error is one
line of JSON (``{"error": ...}``), never a traceback.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from planner._paths import resource
from planner.errors import PlannerError
from planner.i18n import LANGUAGES
from planner.meeting.meeting import Latest, Meeting
from planner.meeting.optimise import OptimiseJob
from planner.meeting.state import PROPOSAL_COLUMNS, ProposalState, snapshot
from planner.meeting.texts import page_texts

__all__ = ["MAX_BODY_BYTES", "create_app"]

#: Largest request body accepted (bytes); a change is about a hundred.
MAX_BODY_BYTES = 4096
COOKIE = "planner_token"
#: The only files the page may ask for, by name (package data, ``planner/resources/``).
STATIC_FILES: dict[str, tuple[Path, str]] = {
    "leaflet.js": (resource("web", "leaflet.js"), "text/javascript"),
    "leaflet.css": (resource("web", "leaflet.css"), "text/css"),
    "meeting.js": (resource("meeting", "meeting.js"), "text/javascript"),
    "meeting.css": (resource("meeting", "meeting.css"), "text/css"),
}
_PAGE = resource("meeting", "index.html")
Lang = Literal["en", "fi", "sv"]


class Change(BaseModel):
    """What one organisation does at one site (the page's change)."""

    model_config = ConfigDict(extra="forbid")
    site_id: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=100)
    mode: Literal["office", "shared", "popup", "remote", "none"]
    days_per_month: int = Field(0, ge=0, le=22)


class Pair(BaseModel):
    """An organisation at a site (to unlock)."""

    model_config = ConfigDict(extra="forbid")
    site_id: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=100)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(meeting: Meeting, token: str | None = None, lang: str = "en") -> FastAPI:
    """Return the meeting page's application.

    Parameters
    ----------
    meeting : Meeting
        The scenario, prepared.
    token : str, optional
        The meeting's token (default: a new random one, ``app.state.token``).
    lang : {"en", "fi", "sv"}
        The page's language until the planner picks another.
    """
    app = FastAPI(title="planner meeting", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.token = token or secrets.token_urlsafe(24)
    app.state.lang = lang
    app.state.proposal = ProposalState(meeting.start, meeting.existing())
    app.state.job = OptimiseJob()
    _guard(app)
    _errors(app)
    _page_routes(app, meeting)
    _proposal_routes(app, meeting)
    _optimise_routes(app, meeting)
    _download_routes(app, meeting)
    return app


def _view(latest: Latest) -> Response:
    """Return the proposal, its history's state and its answers, for the page.

    Of the newest state: a request that changed the proposal sees its change (or a later
    one made meanwhile from another screen).
    """
    body, seconds = latest.view()
    return Response(body, media_type="application/json",
                    headers={"Server-Timing": f"answers;dur={seconds * 1000:.1f}"})


def _page_routes(app: FastAPI, meeting: Meeting) -> None:
    """Add the page, its fixed static files, what it draws once and its words."""

    @app.get("/")
    def page() -> FileResponse:
        return FileResponse(_PAGE, media_type="text/html",
                            headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            return _error(404, f"no such file {name[:60]!r}")
        path, media = STATIC_FILES[name]
        return FileResponse(path, media_type=media)

    @app.get("/api/meta")
    def meta() -> dict[str, Any]:
        return {**meeting.meta(), "lang": app.state.lang, "languages": list(LANGUAGES)}

    @app.get("/api/texts")
    def texts(lang: Lang = "en") -> dict[str, str]:
        return page_texts(lang)


def _proposal_routes(app: FastAPI, meeting: Meeting) -> None:
    """Add the proposal's routes: state and answers, change, unlock, undo, redo, reset."""
    state: ProposalState = app.state.proposal
    latest = Latest(meeting, state)
    sites = set(meeting.problem.sites["site_id"].astype(str))
    orgs = set(meeting.problem.orgs)

    def checked(pair: Pair | Change) -> None:
        if pair.site_id not in sites:
            raise PlannerError(f"site {pair.site_id[:60]!r} is not a candidate site of the "
                               "scenario")
        if pair.organisation not in orgs:
            raise PlannerError(f"organisation {pair.organisation[:60]!r} is not one of "
                               f"{', '.join(meeting.problem.orgs)}")

    @app.get("/api/state")
    def get_state() -> Response:
        return _view(latest)

    @app.post("/api/change")
    def change(body: Change) -> Response:
        checked(body)
        if body.mode == "popup" and not 1 <= body.days_per_month <= 22:
            raise PlannerError("a pop-up needs days_per_month between 1 and 22")
        state.set(body.site_id, body.organisation, body.mode, body.days_per_month)
        return _view(latest)

    @app.post("/api/unlock")
    def unlock(body: Pair) -> Response:
        checked(body)
        state.unlock(body.site_id, body.organisation)
        return _view(latest)

    @app.post("/api/undo")
    def undo() -> Response:
        state.undo()
        return _view(latest)

    @app.post("/api/redo")
    def redo() -> Response:
        state.redo()
        return _view(latest)

    @app.post("/api/reset")
    def reset() -> Response:
        state.replace(meeting.start)
        return _view(latest)


def _optimise_routes(app: FastAPI, meeting: Meeting) -> None:
    """Add "optimise the rest": start, follow, cancel."""
    state: ProposalState = app.state.proposal
    job: OptimiseJob = app.state.job

    @app.post("/api/optimise")
    def optimise() -> Any:
        locked = state.view()[0].locked

        def done(rows: list[tuple[str, str, str, int]]) -> None:
            table = pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS))
            state.replace(snapshot(table, state.existing, locked))

        if not job.start(meeting.problem, state.view()[0].locks(), done):
            return _error(409, "an optimisation is already running; wait or cancel it")
        return job.status()

    @app.get("/api/optimise")
    def optimise_status() -> dict[str, Any]:
        return job.status()

    @app.post("/api/optimise/cancel")
    def optimise_cancel() -> dict[str, Any]:
        job.cancel()
        return job.status()


def _download_routes(app: FastAPI, meeting: Meeting) -> None:
    """Add the downloads: the proposal as CSV, ``planner evaluate``'s workbook and map."""
    state: ProposalState = app.state.proposal

    @app.get("/download/proposal.csv")
    def download_csv() -> Response:
        return Response(meeting.proposal_csv(state.view()[0]), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="proposal.csv"'})

    @app.get("/download/report.xlsx")
    def download_xlsx(lang: Lang = "en") -> Response:
        data = meeting.report_file(state.view()[0], "xlsx", lang)
        return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="report.xlsx"'})

    @app.get("/download/proposal.html")
    def download_map(lang: Lang = "en") -> Response:
        data = meeting.report_file(state.view()[0], "map", lang)
        return Response(data, media_type="text/html", headers={
            "Content-Disposition": 'attachment; filename="proposal.html"'})


def _guard(app: FastAPI) -> None:
    """Refuse requests without the token (401), with a wrong one (403), too large (413)."""

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                    ) -> Response:
        given = (request.query_params.get("token") or request.headers.get("x-planner-token")
                 or request.cookies.get(COOKIE))
        if not given:
            return _error(401, "this page needs the meeting's token: open the address "
                          "`planner serve` printed")
        if not secrets.compare_digest(given.encode(), app.state.token.encode()):
            return _error(403, "wrong token: open the address `planner serve` printed")
        if request.method not in ("GET", "HEAD"):
            size = request.headers.get("content-length")
            if size is None and request.headers.get("transfer-encoding"):
                return _error(411, "a request body needs its length")
            if size is not None and (not size.isdigit() or int(size) > MAX_BODY_BYTES):
                return _error(413, f"request body over {MAX_BODY_BYTES} bytes")
        try:
            response = await call_next(request)
        except Exception as exc:  # one line on the page, the server keeps serving
            print(f"planner serve: {type(exc).__name__}: {exc}", file=sys.stderr)
            return _error(500, f"internal error ({type(exc).__name__}); the server keeps "
                          "serving")
        if request.query_params.get("token"):
            response.set_cookie(COOKIE, app.state.token, httponly=True, samesite="strict")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _errors(app: FastAPI) -> None:
    """Turn every error into one line of JSON."""

    @app.exception_handler(PlannerError)
    async def planner_error(_request: Request, exc: PlannerError) -> JSONResponse:
        return _error(400, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(422, f"invalid request: {where or 'body'}: {first.get('msg', 'malformed')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def internal(_request: Request, exc: Exception) -> JSONResponse:
        print(f"planner serve: {type(exc).__name__}: {exc}", file=sys.stderr)
        return _error(500, f"internal error ({type(exc).__name__}); the server keeps serving")
