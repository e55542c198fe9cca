from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from empathy_crm.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7#Vq2!pZ9xL4mN8rT1wY6bC3fH5jD0sG-a_longer_production_like_secret",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=",
    "ALLOWED_HOSTS": "crm.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
    "DATABASE_URL": "sqlite:////tmp/empathy-deploy-check.sqlite3",
}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    unset = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_a_field_encryption_key(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEY"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set when DEBUG is off" in result.stderr


def test_a_field_encryption_key_that_is_not_a_fernet_key_is_a_startup_error(tmp_path):
    result = manage("check", env={"FIELD_ENCRYPTION_KEY": "too-short"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not a Fernet key" in result.stderr


def test_development_derives_its_field_encryption_key_from_the_secret_key(tmp_path):
    keys = {
        manage("shell", "-c", "from django.conf import settings; print(settings.FIELD_ENCRYPTION_KEY)",
               env={"DEBUG": "1", **({"SECRET_KEY": secret} if secret else {})},
               tmp_path=tmp_path).stdout.split()[-1]
        for secret in ("", "another-development-secret-key")
    }  # fmt: skip
    assert len(keys) == 2 and all(len(key) == 44 for key in keys)


def test_a_misspelt_boolean_is_a_startup_error_not_a_silent_false(tmp_path):
    result = manage("check", env={"DEBUG": "ture"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_production_static_files_are_hashed_and_compressed(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}
    result = manage("collectstatic", "--noinput", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    built = {p.name for p in (tmp_path / "static" / "css").iterdir()}
    assert any(re.fullmatch(r"app\.[0-9a-f]{12}\.css", name) for name in built)
    assert any(name.endswith(".css.gz") for name in built)


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [("", "backends.db"), ("redis://127.0.0.1:6379/2", "backends.cached_db")],
)
def test_sessions_are_cached_only_in_a_cache_every_process_shares(tmp_path, cache_url, engine):
    """A sign-out must reach every web process: a per-process memory cache cannot hold
    sessions, so they are cached only when CACHE_URL names a Redis."""
    result = manage("diffsettings", "--all", env={"CACHE_URL": cache_url}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"SESSION_ENGINE = 'django.contrib.sessions.{engine}'" in result.stdout


def test_a_cache_url_that_is_not_redis_is_a_startup_error(tmp_path):
    result = manage("check", env={"CACHE_URL": "memcached://x:11211"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "CACHE_URL must be a redis://" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("on", True), ("False", False), ("", True)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", True) is expected


def test_env_helpers_reject_values_they_cannot_read(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    monkeypatch.setenv("SOME_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG", False)
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example.com, ,b.example.com ")
    assert env_list("HOSTS") == ["a.example.com", "b.example.com"]


def test_a_blank_variable_means_its_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SOME_URL", "  ")
    assert env_str("SOME_URL", "sqlite:///default") == "sqlite:///default"
    result = manage("check", env={"DATABASE_URL": "", "DEBUG": "1"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr  # `DATABASE_URL= make run` runs on SQLite
