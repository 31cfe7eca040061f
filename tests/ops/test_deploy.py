"""The files of deploy/: gunicorn really serves Veche with its config, the compose file and
systemd units hold together, the env example lists every variable the settings read."""

import configparser
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from tests.ops.instance import ROOT, sqlite_instance
from veche.env import VARIABLES
from veche.ops.management.commands.envdoc import env_example

DEPLOY = ROOT / "deploy"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — our own test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_gunicorn_serves_veche_with_the_deploy_config(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    instance = sqlite_instance(tmp_path, "web", template=migrated_sqlite)
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    env = instance.env(VECHE_LOG_FORMAT="json", VECHE_TRUSTED_PROXIES="127.0.0.1")
    env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port} --workers 1"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [GUNICORN, "-c", str(DEPLOY / "gunicorn.conf.py")],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body, _ = _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
        assert (status, body) == (200, b"ok\n")

        status, body, headers = _get(
            f"{base}/login/",
            {"X-Request-ID": "probe-1", "X-Forwarded-For": "198.51.100.20"},
        )
        assert status == 200
        assert "Вход".encode() in body or "Войти".encode() in body
        assert headers["X-Request-ID"] == "probe-1"
        status, body, _ = _get(f"{base}/readyz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"
        status, body, _ = _get(f"{base}/metrics")
        assert status == 200
        assert b"veche_build_info{" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "veche.request"]
    login = next(line for line in access if line["request_id"] == "probe-1")
    assert (login["path"], login["status"], login["method"]) == ("/login/", 200, "GET")
    assert server.returncode == 0


def test_env_example_is_the_envdoc_output_and_lists_every_variable() -> None:
    example = (DEPLOY / "veche.env.example").read_text(encoding="utf-8")

    assert example == env_example(), "run: veche envdoc > deploy/veche.env.example"
    listed = {
        line.lstrip("#").split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("# ")
    }
    assert listed == set(VARIABLES)
    for name in ("VECHE_SECRET_KEY", "DATABASE_URL", "VECHE_REDIS_URL", "VECHE_SECURE_COOKIES"):
        assert f"\n{name}=" in example  # set, not commented out


def test_compose_file_has_the_services_and_shares_the_var_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))

    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "proxy"}
    for name in ("migrate", "web", "worker"):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert "veche-var:/var/lib/veche" in service["volumes"]
        assert service["environment"]["VECHE_REDIS_URL"].startswith("redis://redis:")
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert set(service["environment"]) <= set(VARIABLES) | {"FORWARDED_ALLOW_IPS"}
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["command"] == ["veche", "run_huey"]
    assert "deploy/gunicorn.conf.py" in services["web"]["command"]
    assert (DEPLOY / "Dockerfile").is_file()
    proxy_ip = services["proxy"]["networks"]["backend"]["ipv4_address"]
    subnet = compose["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert services["web"]["environment"]["VECHE_TRUSTED_PROXIES"] == subnet
    assert proxy_ip.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_systemd_units_run_the_right_commands() -> None:
    web, worker = _unit("veche-web.service"), _unit("veche-worker.service")
    backup, timer = _unit("veche-backup.service"), _unit("veche-backup.timer")

    assert "gunicorn -c /opt/veche/deploy/gunicorn.conf.py" in web["Service"]["ExecStart"]
    assert worker["Service"]["ExecStart"].endswith("veche run_huey")
    assert worker["Service"]["KillSignal"] == "SIGINT"
    assert backup["Service"]["ExecStart"].endswith("veche backup --keep 14")
    assert timer["Timer"]["Unit"] == "veche-backup.service"
    for unit in (web, worker, backup):
        assert unit["Service"]["EnvironmentFile"] == "/etc/veche/veche.env"
        assert unit["Service"]["User"] == "veche"


def test_proxy_configs_hide_metrics_and_forward_the_client() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")

    assert "@internal path /metrics /readyz" in caddy and "respond @internal 404" in caddy
    assert "header_up X-Request-ID" in caddy
    assert "location = /metrics { return 404; }" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx


def test_a_bad_address_setting_stops_the_start(tmp_path: Path) -> None:
    instance = sqlite_instance(tmp_path, "bad")

    result = instance.run("check", check=False, VECHE_TRUSTED_PROXIES="10.0.0.1,proxy.local")

    assert result.returncode != 0
    assert "VECHE_TRUSTED_PROXIES: not an address or network: 'proxy.local'" in result.stderr
