"""The browser explorer: one HTML page (vanilla JavaScript drawing SVG, no external files) served with
a small JSON API by the standard library's :class:`http.server.ThreadingHTTPServer`, or exported as one
self-contained file over a precomputed grid.

Both modes use the same page (``web_assets/explore.js`` and ``explore.css`` inlined): the served page
asks ``/api/view`` for every control change (the model runs live, about 0.05–0.2 s per state warm on
the default patient); the exported page carries a grid of views as JSON and shows the grid state
nearest to the controls. Nothing is fetched from the network in either mode.

``serve()`` starts the server (``scs-sim explore``); ``export()`` writes the file (``scs-sim explore
--export FILE.html [--lesson NAME]``); ``page_html()`` builds the page for either.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from scs_sim.app.explore_lessons import EXPLORE_GRID, LESSONS, grid_states, lesson
from scs_sim.app.explore_model import ViewEngine, meta
from scs_sim.errors import ConfigError

__all__ = ["ExploreServer", "export", "lesson_payload", "page_html", "precompute", "serve"]


def _asset(name: str) -> str:
    return resources.files("scs_sim.app").joinpath("web_assets", name).read_text(encoding="utf-8")


def lesson_payload(name: str) -> dict:
    """A lesson as the page shows it (title, preset state, text)."""
    les = lesson(name)
    return {"name": les.name, "title": les.title, "state": les.state, "paragraphs": les.paragraphs,
            "caveats": les.caveats}


def _script_json(obj) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` sequences)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def page_html(config: dict, *, title: str = "scs-sim explorer") -> str:
    """The explorer page with ``config`` (mode, meta, lessons, grid) embedded; CSS and JS inlined."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{title}</title><style>{_asset('explore.css')}</style></head><body>"
        f"{_asset('explore.html')}"
        f"<script id=\"scs-config\" type=\"application/json\">{_script_json(config)}</script>"
        f"<script>{_asset('explore.js')}</script></body></html>\n"
    )


def precompute(blocks, *, engine: ViewEngine | None = None,
               log: Callable[[str], None] | None = None) -> dict:
    """Views of every grid state: ``{"states": [...], "views": [...]}`` (views deduplicated by key)."""
    eng = engine or ViewEngine()
    states = grid_states(blocks)
    out_states, views = [], []
    t0 = time.perf_counter()
    for i, s in enumerate(states):
        v = eng.view(s)
        out_states.append(s)
        views.append(v)
        if log and (i + 1) % 25 == 0:
            log(f"  {i + 1}/{len(states)} states ({time.perf_counter() - t0:.0f} s)")
    return {"states": out_states, "views": views, "wall_s": round(time.perf_counter() - t0, 1)}


def export(path: str | Path, *, lesson_name: str | None = None, blocks=None, engine: ViewEngine | None = None,
           log: Callable[[str], None] | None = None) -> dict:
    """Write the self-contained offline page; returns ``{"path", "bytes", "states", "wall_s"}``.

    ``lesson_name`` exports that lesson (its grid, its text); otherwise the general grid
    (:data:`~scs_sim.app.explore_lessons.EXPLORE_GRID`). ``blocks`` overrides the grid (tests).
    """
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--export must end in .html (got '{p.name}')", key="--export")
    les = lesson(lesson_name) if lesson_name else None
    if blocks is None:
        blocks = les.grid if les else EXPLORE_GRID
    grid = precompute(blocks, engine=engine, log=log)
    patients = sorted({s["patient"] for s in grid["states"]}, key=lambda n: n != "default")
    m = meta(patient="")
    m["fibers"] = {name: meta(patient=name)["fibers"][name] for name in patients}
    config = {"mode": "grid", "meta": m, "lessons": [lesson_payload(les.name)] if les else [],
              "lesson": les.name if les else None, "grid": grid}
    html = page_html(config, title=f"scs-sim: {les.title}" if les else "scs-sim explorer (offline)")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--export: cannot write {p}: {exc.strerror}") from None
    return {"path": str(p), "bytes": p.stat().st_size, "states": len(grid["states"]), "wall_s": grid["wall_s"]}


class _Handler(BaseHTTPRequestHandler):
    server: ExploreServer

    def log_message(self, fmt, *args):  # quiet: the CLI prints the address once
        return

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj) -> None:
        self._send(code, json.dumps(obj, separators=(",", ":")).encode(), "application/json")

    def do_GET(self):  # noqa: N802 - http.server API
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            self._send(200, self.server.page.encode("utf-8"), "text/html; charset=utf-8")
        elif url.path == "/api/view":
            q = urllib.parse.parse_qs(url.query)
            try:
                state = json.loads(q.get("state", ["{}"])[0])
                if not isinstance(state, dict):
                    raise ConfigError("state must be a JSON object")
                t0 = time.perf_counter()
                view = self.server.engine.view(state)
                self._json(200, {**view, "server_ms": round((time.perf_counter() - t0) * 1e3, 1)})
            except (ConfigError, json.JSONDecodeError) as exc:
                self._json(400, {"error": str(exc)})
        elif url.path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            self._send(404, b"not found", "text/plain")


class ExploreServer(ThreadingHTTPServer):
    """The explorer's HTTP server (``host``/``port``; port 0 picks a free one: see :attr:`url`)."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, engine: ViewEngine | None = None,
                 lesson_name: str | None = None):
        super().__init__((host, port), _Handler)
        self.engine = engine or ViewEngine()
        config = {"mode": "live", "meta": meta(patient=""), "lessons": [lesson_payload(n) for n in LESSONS],
                  "lesson": lesson_name, "grid": None}
        self.page = page_html(config)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def warm(self) -> float:
        """Run the default state once (JIT compile or cache load, the baseline); returns the wall time, s."""
        t0 = time.perf_counter()
        self.engine.view({})
        return time.perf_counter() - t0

    def start(self) -> threading.Thread:
        """Serve in a daemon thread (tests, benchmarks); stop with :meth:`shutdown`."""
        t = threading.Thread(target=self.serve_forever, daemon=True)
        t.start()
        return t


def serve(*, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True, lesson_name: str | None = None,
          log: Callable[[str], None] = print) -> None:
    """Start the explorer server, open the browser, serve until interrupted."""
    if lesson_name:
        lesson(lesson_name)
    try:
        srv = ExploreServer(host, port, lesson_name=lesson_name)
    except OSError as exc:
        raise ConfigError(f"--port {port}: cannot listen on {host}:{port}: {exc.strerror}") from None
    log("warming up the model (first run compiles or loads the numba cache) ...")
    log(f"ready in {srv.warm():.1f} s")
    url = srv.url + (f"#lesson={lesson_name}" if lesson_name else "")
    log(f"scs-sim explorer at {url}  (Ctrl-C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()

