"""Real mail servers for the e-mail tests: Debian's dovecot (IMAP) and aiosmtpd (SMTP).

dovecot runs unprivileged from a temporary directory on free ports, with its own
configuration, a passwd-file per user and a Maildir per user: nothing of the system's mail
set-up is used or touched. It speaks plain IMAP with STARTTLS on one port and IMAP over TLS on
another, with a self-signed certificate the tests trust through `ca_file`.

Without dovecot (`scripts/bootstrap --test` installs it) the tests are skipped on a laptop
and fail in CI (CI=true), so a CI machine cannot silently test less.
"""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def require(program: str, how: str) -> None:
    """Skip without `program` on a laptop; in CI a missing server is a failure."""
    if shutil.which(program) or Path(program).is_file():
        return
    reason = f"{program} не установлен: {how}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def self_signed(root: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1, which the tests trust as its own CA."""
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@dataclass
class Mailbox:
    """One user's mailbox on the test dovecot."""

    host: str
    port: int
    tls_port: int
    ca_file: str
    username: str
    password: str

    def config(self, **extra: Any) -> dict[str, Any]:
        base = {
            "host": self.host,
            "port": self.port,
            "security": "plain",
            "username": self.username,
            "password": self.password,
            "ca_file": self.ca_file,
            "timeout": 10,
        }
        return base | extra

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.username, self.password)
        return imap

    def append(self, raw: bytes, *, at: datetime, folder: str = "INBOX") -> None:
        """Deliver a letter as the mail server would have, arriving at `at`."""
        imap = self.client()
        try:
            result = imap.append(folder, "", imaplib.Time2Internaldate(at), raw)
            assert result[0] == "OK", result
        finally:
            imap.logout()


@dataclass
class Dovecot:
    root: Path
    port: int
    tls_port: int
    ca_file: str
    process: subprocess.Popen[bytes]
    owner: tuple[int, int]

    def mailbox(self) -> Mailbox:
        """A fresh user with an empty INBOX. Each user has a passwd-file of their own: dovecot
        notices a changed file only about once a second, a new one at once."""
        username = f"mcu-{uuid.uuid4().hex[:10]}@example.test"
        password = uuid.uuid4().hex
        passwd = self.root / "users" / username
        passwd.write_text(f"{username}:{{PLAIN}}{password}\n")
        os.chown(passwd, *self.owner)
        return Mailbox("127.0.0.1", self.port, self.tls_port, self.ca_file, username, password)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _run_as() -> pwd.struct_passwd:
    """Ourselves, or when the tests run as root, dovecot's own system user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    for name in ("dovecot", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user to run dovecot as")


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    text = log.read_text(errors="replace") if log.exists() else ""
    raise RuntimeError(f"dovecot did not start on port {port}:\n{text}")


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    require("openssl", "sudo apt-get install openssl")
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def dovecot(certificate: tuple[Path, Path]) -> Iterator[Dovecot]:
    require(DOVECOT, "sudo apt-get install dovecot-imapd (или scripts/bootstrap --test)")
    user = _run_as()
    # Not under pytest's own temporary directory: dovecot's user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="veche-dovecot-"))
    try:
        for sub in ("run", "state", "home", "users"):
            (root / sub).mkdir()
        shutil.copy(certificate[0], root / "cert.pem")
        shutil.copy(certificate[1], root / "key.pem")
        port, tls_port = free_port(), free_port()
        settings = {"user": user.pw_name, "uid": user.pw_uid, "gid": user.pw_gid}
        group = grp.getgrgid(user.pw_gid).gr_name
        (root / "dovecot.conf").write_text(
            CONFIG.format(root=root, port=port, tls_port=tls_port, group=group, **settings)
        )
        for path in (root, *root.rglob("*")):
            os.chown(path, user.pw_uid, user.pw_gid)
        process = subprocess.Popen(  # noqa: S603
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            user=user.pw_uid if os.geteuid() == 0 else None,
            group=user.pw_gid if os.geteuid() == 0 else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port, process, root / "dovecot.log")
            owner = (user.pw_uid, user.pw_gid)
            yield Dovecot(root, port, tls_port, str(certificate[0]), process, owner)
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- SMTP ---------------------------------------------------------------------------------------


@dataclass
class Outbox:
    """What the SMTP server received, and how to reach it."""

    host: str
    port: int
    username: str
    password: str
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult

        ok = (auth_data.login, auth_data.password) == (
            self.username.encode(),
            self.password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    def config(self, **extra: Any) -> dict[str, Any]:
        base = {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_security": "starttls",
            "smtp_username": self.username,
            "smtp_password": self.password,
            "from_address": "mcu@admin.example.test",
            "from_name": "МЦУ Демо",
        }
        return base | extra


@pytest.fixture(scope="session")
def smtp_server(certificate: tuple[Path, Path]) -> Iterator[Outbox]:
    """aiosmtpd with STARTTLS required and AUTH, on a free port."""
    from aiosmtpd.controller import Controller

    outbox = Outbox("127.0.0.1", free_port(), "mcu-smtp", "smtp-secret")
    controller = Controller(
        outbox,
        hostname=outbox.host,
        port=outbox.port,
        tls_context=server_tls(*certificate),
        require_starttls=True,
        authenticator=outbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield outbox
    finally:
        controller.stop()


@pytest.fixture
def outbox(smtp_server: Outbox) -> Outbox:
    smtp_server.envelopes.clear()
    return smtp_server
