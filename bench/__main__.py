"""Run every benchmark module of this package against a throwaway test database.

Uses the configured database engine (DATABASE_URL: PostgreSQL in CI, SQLite otherwise) but
never its data: Django's test-database machinery creates and drops a separate database for
each benchmark.
`python -m bench [name ...]` runs only the named modules. `python -m bench load [options]`
is the load test (bench/load.py): it makes its own PostgreSQL database and servers, so it
runs on its own and never with the others; so does `python -m bench profile` (bench/profile.py:
CPU time, queries and the top functions of each request of the load test's mix).
"""

import importlib
import os
import pkgutil
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

# Not benchmarks of a test database: the load test, its locustfile, hello-world app and profiler.
STANDALONE = {"load", "locustfile", "hello_wsgi", "profile"}


def main(argv: list[str]) -> None:
    if argv[:1] == ["load"]:
        from bench import load

        return load.main(argv[1:])
    if argv[:1] == ["profile"]:
        from bench import profile

        return profile.main(argv[1:])
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    import bench

    names = argv or sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if not m.name.startswith("_") and m.name not in STANDALONE
    )
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    try:
        for name in names:
            # Each benchmark on a fresh database: they build their own worlds (the scale
            # and ratio worlds have the same clinics and users, so one after the other in
            # a database would collide).
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
            try:
                module = importlib.import_module(f"bench.{name}")
                print(f"== {name} ({connection.vendor})")
                module.run()
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        teardown_test_environment()


if __name__ == "__main__":
    main(sys.argv[1:])
