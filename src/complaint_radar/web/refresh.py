"""The dashboard's default analysis views, recomputed before they go stale, in a short-lived process.

A server refreshes the overview's and the satisfaction page's default views (the last 90 and 180 days)
every `web_cache_s × 0.9` seconds so that the first visitor after a refresh does not wait. Computed in a
thread of a long-lived worker, each refresh left a few MiB of fragmented memory behind (the 30-minute
soak in docs/reliability.md: +0.6–0.7 MiB/min per worker, in steps at the refreshes, flat with the
refresh off). So, when the server opened its own database, the views are computed in a child process
(`child_main`) that exits after one round: its memory goes back to the system whole, and only the
finished views (a few hundred KiB, pickled) come back to the worker's cache. The
cost is the child's start-up (about 2 s of CPU) and its transient memory, once a round.

A server given a session factory instead of a URL (tests, an in-memory SQLite database) computes in a
thread as before; so does one with `web_refresh_in_child` off.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable, Hashable
from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from complaint_radar.analysis.calendar import auto_granularity
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.analysis.filters import Scope, make_scope
from complaint_radar.settings import Settings
from complaint_radar.store.db import default_database_url, normalize_url
from complaint_radar.web.scope import scope_key
from complaint_radar.web.views import overview, satisfaction

log = logging.getLogger(__name__)

CHILD_COMMAND = "import sys; from complaint_radar.web.refresh import child_main; sys.exit(child_main())"
"""What the child runs (`-c`, not `-m`: the web package has imported this module by then)."""
View = tuple[Hashable, dict[str, Any]]
"""A section cache key (`(view, scope_key)`) and the view's data."""


def default_views(desk: AnalysisDesk, today: date) -> list[View]:
    """The overview's and the satisfaction page's data for their default periods ending `today`."""
    views: list[tuple[str, int, Callable[[Scope], dict[str, Any]]]] = [
        ("overview", overview.DEFAULT_DAYS, lambda scope: overview.overview_data(desk, scope)),
        (
            "satisfaction",
            satisfaction.DEFAULT_DAYS,
            lambda scope: satisfaction.satisfaction_data(desk, scope, auto_granularity(scope.days)),
        ),
    ]
    found: list[View] = []
    for view, days, compute in views:
        scope = make_scope(today - timedelta(days=days - 1), today)
        found.append(((view, scope_key(scope)), compute(scope)))
    return found


def can_use_child(settings: Settings) -> bool:
    """Whether another process can open the database the settings name (not an in-memory SQLite one)."""
    if not settings.web_refresh_in_child:
        return False
    url = normalize_url(default_database_url(settings))
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


async def views_from_child(settings: Settings, today: date, timeout_s: float) -> list[View]:
    """`default_views` as of `today`, computed by a child process that opens the database itself and
    exits; it is killed after `timeout_s` or when the caller is cancelled (the server stops)."""
    started = time.monotonic()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await asyncio.wait_for(
            child.communicate(pickle.dumps((settings, today), protocol=pickle.HIGHEST_PROTOCOL)),
            timeout_s,
        )
    except BaseException:  # a timeout, or the server stopping: leave no child behind
        with suppress(ProcessLookupError):
            child.kill()
        await asyncio.shield(child.wait())
        raise
    if child.returncode != 0 or not out:
        raise RuntimeError(
            f"the process computing the dashboard's default views exited with status {child.returncode} "
            "(its error is in the server's log above)"
        )
    views: list[View]
    views, cost = pickle.loads(out)
    log.info(
        "dashboard's default views refreshed in a child process: %.1f s, %.1f s of CPU, peak %.0f MiB",
        time.monotonic() - started,
        cost["cpu_s"],
        cost["max_rss_mib"],
    )
    return views


def child_main() -> int:
    """Read (settings, today) on stdin, write the pickled views on stdout, exit (1 on an error, logged
    to stderr, the server's log, with PII masked as the server's own lines are)."""
    from complaint_radar.logs import build_handler
    from complaint_radar.services.runtime import open_database

    result = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nothing but the result may reach the pipe
    settings, today = pickle.load(sys.stdin.buffer)
    logging.basicConfig(level=logging.WARNING, handlers=[build_handler(settings)])
    try:
        database = open_database(settings, migrate=False)
        try:
            views = default_views(AnalysisDesk(database.sessions, settings=settings), today)
        finally:
            database.close()
    except Exception:
        log.exception("computing the dashboard's default views failed")
        return 1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cost = {
        "cpu_s": usage.ru_utime + usage.ru_stime,  # start-up included
        "max_rss_mib": usage.ru_maxrss / 1024,
    }
    with result:
        result.write(pickle.dumps((views, cost), protocol=pickle.HIGHEST_PROTOCOL))
    return 0
