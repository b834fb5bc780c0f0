"""The production-like stack stays coherent: docker-compose.yml and the Procfile.

`docker compose config` is the real check where the compose plugin is installed; this test
guards the same structure everywhere (CI machines may have no Docker at all).
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_five_services_with_their_commands():
    services = load_compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert "gunicorn backend.wsgi:application" in services["web"]["command"]
    assert "migrate --noinput" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A backend worker")
    assert services["beat"]["command"].startswith("celery -A backend beat")


def test_app_services_wait_for_healthy_database_and_broker():
    services = load_compose()["services"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        assert service["environment"]["DEBUG"] == "false"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:")
        for dependency, condition in service["depends_on"].items():
            assert condition == {"condition": "service_healthy"}
            assert "healthcheck" in services[dependency]


def test_compose_env_file_is_optional_so_a_fresh_clone_validates():
    for name in ("web", "worker", "beat"):
        env_files = load_compose()["services"][name]["env_file"]
        assert env_files == [{"path": ".env", "required": False}]


def test_every_named_volume_is_declared():
    compose = load_compose()
    declared = set(compose["volumes"])
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared


def test_exactly_one_beat():
    beat = load_compose()["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_the_dev_procfile_runs_web_worker_and_beat():
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    names = [line.split(":", 1)[0] for line in lines if line.strip()]
    assert names == ["web", "worker", "beat"]


def test_env_example_sets_no_empty_values_so_a_copy_to_dotenv_still_starts():
    # An empty DATABASE_URL or SECRET_KEY in .env is used as is and breaks the settings;
    # variables without a value stay commented out.
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert value.strip(), f"{name} is empty in .env.example; comment it out"
