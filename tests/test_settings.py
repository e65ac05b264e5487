"""Production settings pass Django's deployment checks; missing secrets fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GUANXI_", "DJANGO_"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        GUANXI_DEBUG="0",
        SECRET_KEY="k" * 20 + "9f8e7d6c5b4a3928172635445362718",
        ALLOWED_HOSTS="crm.example.com",
        GUANXI_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = _manage("check", GUANXI_DEBUG="0", ALLOWED_HOSTS="crm.example.com", GUANXI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
