"""`make bench` / `python -m bench [name ...]`: run the project's benchmarks.

Each benchmark is a module `bench/<name>.py` with `run(report)` that measures and calls
`report(label, value, note="")`. The runner sets Django up against a throwaway database
(`bench_<name>` of DATABASE_URL, created and dropped here: never the working database) and
prints one table per benchmark, ready to paste into docs/benchmarks.md.

Add a benchmark by adding a module and its name to BENCHMARKS.
"""

import importlib
import os
import sys
import time

BENCHMARKS = ["reminders"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    names = argv or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(BENCHMARKS)}")
        return 2
    if connection.vendor != "sqlite":
        # Its own throwaway database, distinct from the test suite's test_<name>.
        connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    print(f"Database: {connection.vendor}; broker: {_broker()}")
    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            print(f"\n## {name}\n\n| measure | value | note |\n|---|---|---|")
            started = time.perf_counter()

            def report(label, value, note=""):
                print(f"| {label} | {value} | {note} |", flush=True)

            module.run(report)
            print(f"\n({name}: {time.perf_counter() - started:.0f} s)")
    finally:
        teardown_databases(old, verbosity=0)
    return 0


def _broker() -> str:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
