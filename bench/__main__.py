"""Run every benchmark module of this package against a throwaway test database.

Uses the configured database engine (DATABASE_URL: PostgreSQL in CI, SQLite otherwise) but
never its data: Django's test-database machinery creates and drops a separate database.
`python -m bench [name ...]` runs only the named modules.
"""

import importlib
import os
import pkgutil
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    import bench

    names = argv or sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")
    )
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            print(f"== {name} ({connection.vendor})")
            module.run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main(sys.argv[1:])
