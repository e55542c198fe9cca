"""No Docker engine runs here, so the compose file is checked against the code instead."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SETTINGS_SOURCE = (ROOT / "empathy_crm" / "settings.py").read_text()
README = (ROOT / "README.md").read_text()


def command_of(service: str) -> str:
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_the_whole_stack():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}
    assert "gunicorn empathy_crm.wsgi" in command_of("web")
    assert "migrate" in command_of("web")
    assert "celery -A empathy_crm worker" in command_of("worker")
    assert "celery -A empathy_crm beat" in command_of("beat")


def test_services_wait_for_healthy_databases_and_have_healthchecks():
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in SERVICES[name], name
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert SERVICES[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_workers_can_be_scaled_and_beat_cannot():
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert SERVICES["beat"]["deploy"]["replicas"] == 1


def test_app_environment_points_at_the_compose_services():
    env = SERVICES["web"]["environment"]
    assert env["DEBUG"] == "0"
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    assert SERVICES["worker"]["environment"] == env == SERVICES["beat"]["environment"]


def test_every_compose_variable_is_read_by_settings_and_documented():
    for name in SERVICES["web"]["environment"]:
        assert re.search(rf'env_\w+\("{name}"', SETTINGS_SOURCE), f"settings.py ignores {name}"
        assert f"| `{name}` |" in README, f"README's configuration table lacks {name}"


def test_every_setting_read_from_the_environment_is_documented():
    for name in re.findall(r'env_\w+\("([A-Z_]+)"', SETTINGS_SOURCE):
        assert f"| `{name}` |" in README, f"README's configuration table lacks {name}"


def test_image_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "collectstatic" in dockerfile
    assert re.search(r'CMD \["gunicorn", "empathy_crm.wsgi"', dockerfile)
