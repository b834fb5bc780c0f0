"""Running pieces of work side by side on their own database connections (PostgreSQL race
tests)."""

import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def side_by_side(*works) -> list[str]:
    """Start every work at the same moment, each in its own thread (so on its own
    connection, closed at its end), wait for all, and return the tracebacks of those that
    raised (empty: none did)."""
    barrier = threading.Barrier(len(works))
    failures = []

    def run(work):
        try:
            barrier.wait()
            work()
        except Exception:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    with ThreadPoolExecutor(len(works)) as pool:
        list(pool.map(run, works))
    return failures
