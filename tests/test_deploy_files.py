"""The production-like stack stays coherent: docker-compose.yml and the Procfile.

`docker compose config` is the real check where the compose plugin is installed; this test
guards the same structure everywhere (CI machines may have no Docker at all).
"""

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ("migrate", "web", "worker", "worker-messages", "worker-pdf", "beat")


def test_compose_defines_the_services_with_their_commands():
    services = load_compose()["services"]
    assert set(services) == {"postgres", "redis", "proxy", *APP_SERVICES}
    assert services["web"]["command"] == "gunicorn -c deploy/gunicorn.conf.py"
    # Migrations run once, not in every web replica.
    assert "migrate --noinput" in services["migrate"]["command"]
    assert services["beat"]["command"].startswith("celery -A backend beat")


def test_each_queue_has_its_workers_and_every_queue_is_served():
    from django.conf import settings

    services = load_compose()["services"]
    served = set()
    for name in ("worker", "worker-messages", "worker-pdf"):
        command = services[name]["command"].split()
        assert command[:4] == ["celery", "-A", "backend", "worker"]
        served.add(command[command.index("-Q") + 1])
    assert served == set(settings.CELERY_TASK_QUEUES)
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= served


def test_a_worker_without_queues_consumes_all_of_them(settings):
    """make run and the tests start one worker with no -Q: it must serve every queue."""
    from backend.celery import app

    queues = {queue.name for queue in app.amqp.queues.values()}
    assert queues == set(settings.CELERY_TASK_QUEUES) == {"celery", "messages", "pdf"}


def test_app_services_wait_for_healthy_database_and_broker_then_the_migrations():
    services = load_compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "."
        assert service["environment"]["DEBUG"] == "false"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:")
        for dependency, condition in service["depends_on"].items():
            if dependency == "migrate":
                assert name != "migrate"
                assert condition == {"condition": "service_completed_successfully"}
            else:
                assert condition == {"condition": "service_healthy"}
                assert "healthcheck" in services[dependency]
        if name != "migrate":
            assert "migrate" in service["depends_on"]


def test_web_scales_behind_the_proxy():
    web = load_compose()["services"]["web"]
    assert "ports" not in web and "container_name" not in web
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "dynamic a web 8000" in caddyfile


def test_compose_env_file_is_optional_so_a_fresh_clone_validates():
    for name in APP_SERVICES:
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


def debian_packages(*groups):
    result = subprocess.run(
        [ROOT / "deploy" / "debian-packages", "--list", *groups],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


# Packages from the list that the Makefile runs as commands (npm installs axe-core for the
# browser tests): it may name them to run them, never to install them.
RUN_BY_THE_MAKEFILE = {"npm"}


def test_one_list_of_debian_packages_serves_the_makefile_ci_and_the_dockerfile():
    everything = debian_packages("pdf", "pdf-fast", "uploads", "test")
    assert {"libpango-1.0-0", "libharfbuzz-subset0", "chromium", "npm"} <= set(everything)
    for name in ("Makefile", ".ci/run", "Dockerfile"):
        text = (ROOT / name).read_text()
        assert "deploy/debian-packages" in text, name
        # No second copy of the list: no package is named outside deploy/.
        for package in everything:
            if name == "Makefile" and package in RUN_BY_THE_MAKEFILE:
                assert not re.search(rf"apt(-get)? install[^\n]*\b{package}\b", text), package
                continue
            assert package not in text, f"{name} names {package}; use deploy/debian-packages"


def make_dry_run(*args):
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_test_installs_a_pinned_axe_core_only_when_it_is_missing(tmp_path):
    pinned = re.search(r"^AXE_CORE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert pinned and re.fullmatch(r"\d+\.\d+\.\d+", pinned[1]), "pin an exact version"

    missing = make_dry_run("axe", f"AXE_STAMP={tmp_path / 'absent'}")
    assert "npm install --prefix var/node" in missing
    assert f"axe-core@{pinned[1]}" in missing

    (tmp_path / "present").touch()
    assert "npm" not in make_dry_run("axe", f"AXE_STAMP={tmp_path / 'present'}")
    # `make test` (and so .ci/run) goes through it.
    assert re.search(r"^test: .*\baxe\b", (ROOT / "Makefile").read_text(), re.M)


def test_the_dockerfile_installs_only_what_pdfs_and_uploads_need():
    assert debian_packages("pdf", "pdf-fast", "uploads") == [
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz0b",
        "libfontconfig1",
        "fonts-dejavu-core",
        "libharfbuzz-subset0",
        "libmagic1",
    ]
    assert "--list pdf pdf-fast uploads)" in (ROOT / "Dockerfile").read_text()


def test_libmagic_is_installed_wherever_the_app_runs():
    # Patient documents are judged by content (python-magic over libmagic1): `make run`,
    # `make test`, CI and the image all install the group, and a missing one is an error.
    makefile = (ROOT / "Makefile").read_text()
    assert "deploy/debian-packages pdf pdf-fast uploads\n" in makefile
    assert "deploy/debian-packages pdf pdf-fast uploads test" in makefile
    assert "deploy/debian-packages pdf pdf-fast uploads test" in (ROOT / ".ci/run").read_text()
    assert '[ "$group" = uploads ]' in (ROOT / "deploy" / "debian-packages").read_text()


def test_only_the_tls_proxy_is_published_on_the_host():
    services = load_compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])
    assert services["web"]["expose"] == ["8000"]


def test_the_proxy_is_caddy_with_the_projects_caddyfile_and_kept_certificates():
    compose = load_compose()
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert "caddy_data:/data" in proxy["volumes"]
    assert "web" in proxy["depends_on"]
    assert proxy["environment"]["KAP_DOMAIN"] == "${KAP_DOMAIN:-localhost}"


def test_the_caddyfile_terminates_tls_for_the_domain_and_proxies_to_gunicorn():
    lines = [
        line.strip()
        for line in (ROOT / "deploy" / "Caddyfile").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    # A site address (automatic HTTPS; internal CA for localhost), not an http:// one.
    assert lines[0] == "{$KAP_DOMAIN:localhost} {"
    assert "reverse_proxy {" in lines and "dynamic a web 8000 {" in lines
    assert not any(line.startswith("log") for line in lines)


def test_only_web_trusts_the_proxys_forwarded_proto_header():
    services = load_compose()["services"]
    assert services["web"]["environment"]["SECURE_PROXY_SSL_HEADER"] == "true"
    for name in ("worker", "beat"):
        assert "SECURE_PROXY_SSL_HEADER" not in services[name]["environment"]
    domain = "${KAP_DOMAIN:-localhost}"
    assert services["web"]["environment"]["ALLOWED_HOSTS"] == domain
    assert services["web"]["environment"]["CSRF_TRUSTED_ORIGINS"] == f"https://{domain}"


def test_the_image_runs_gunicorn_with_the_redacting_config():
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]' in (ROOT / "Dockerfile").read_text()
