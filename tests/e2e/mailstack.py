"""A private Postfix relay and Dovecot (IMAP + LMTP) on free loopback ports, in a temp dir.

Postfix accepts everything from loopback (``smtpd_reject_unlisted_recipient = no``), then:
mail for the mailbox domains goes to Dovecot over LMTP; mail for the failure domains goes
to ``error:`` transports, so Postfix itself writes genuine RFC 3464 DSNs back to the
envelope sender, whose mailbox is in Dovecot too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

POSTFIX_MAIN = Path("/etc/postfix/main.cf")
MAILBOX_DOMAINS = ("customer.test", "acme.test")
FAILURE_TRANSPORTS = {
    "unknown.test": "error:5.1.1 <recipient> User unknown in virtual mailbox table",
    "spam.test": "error:5.7.1 Message rejected as spam by content filter",
    "full.test": "error:5.2.2 Mailbox full, quota exceeded",
}
MAIL_UID = 8  # the "mail" user: Dovecot will not deliver as root
PASSWORD = "secret"


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port free now and not handed out before in this run: the kernel may give a
    port just closed again, and two daemons of one stack on one port cannot both start."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def missing_components() -> str | None:
    for tool in ("postfix", "dovecot", "postconf"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install postfix dovecot-imapd dovecot-lmtpd)"
    if not Path("/usr/lib/dovecot/lmtp").exists():
        return "dovecot-lmtpd is not installed"
    if os.geteuid() != 0:
        return "starting a private Postfix needs root"
    return None


def _daemon(cmd: list[str], log: Path) -> subprocess.CompletedProcess[str]:
    """Run a command that forks a daemon: never capture its output through pipes, which
    the daemon would keep open."""
    with log.open("a") as out:
        return subprocess.run(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )


def _wait_port(port: int, what: str, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    text = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
    raise RuntimeError(f"{what} did not start on port {port}:\n{text}")


@dataclass
class MailStack:
    root: Path
    smtp_port: int = field(default_factory=free_port)
    imap_port: int = field(default_factory=free_port)
    lmtp_port: int = field(default_factory=free_port)
    users: tuple[str, ...] = ("invoices@customer.test", "copies@customer.test", "bounces@acme.test")

    @property
    def postfix_dir(self) -> Path:
        return self.root / "postfix"

    @property
    def dovecot_dir(self) -> Path:
        return self.root / "dovecot"

    def maildir(self, user: str) -> Path:
        return self.root / "home" / user / "Maildir"

    # --- Dovecot -------------------------------------------------------------------------
    def _write_dovecot(self) -> Path:
        d = self.dovecot_dir
        for sub in ("run", "state"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        os.chown(home, MAIL_UID, MAIL_UID)
        lines = []
        for user in self.users:
            (home / user).mkdir(exist_ok=True)
            os.chown(home / user, MAIL_UID, MAIL_UID)
            lines.append(f"{user}:{{PLAIN}}{PASSWORD}:{MAIL_UID}:{MAIL_UID}::{home / user}::")
        (d / "users").write_text("\n".join(lines) + "\n")
        conf = d / "dovecot.conf"
        conf.write_text(f"""
base_dir = {d / "run"}
state_dir = {d / "state"}
log_path = {d / "dovecot.log"}
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {MAIL_UID}
last_valid_uid = {MAIL_UID}
first_valid_gid = {MAIL_UID}
mail_location = maildir:~/Maildir
recipient_delimiter = +
mail_plugins =
lda_mailbox_autocreate = yes
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d / "users"}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d / "users"}
}}
protocol lmtp {{
  auth_username_format = %Lu
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
""")
        return conf

    # --- Postfix -------------------------------------------------------------------------
    def _write_postfix(self) -> None:
        d = self.postfix_dir
        d.mkdir(parents=True, exist_ok=True)
        (d / "queue").mkdir(exist_ok=True)
        (d / "data").mkdir(exist_ok=True)
        shutil.chown(d / "data", "postfix", "postfix")
        transport = [f"{dom} lmtp:inet:127.0.0.1:{self.lmtp_port}" for dom in MAILBOX_DOMAINS]
        transport += [f"{dom} {target}" for dom, target in FAILURE_TRANSPORTS.items()]
        (d / "transport").write_text("\n".join(transport) + "\n")
        relay = " ".join((*MAILBOX_DOMAINS, *FAILURE_TRANSPORTS))
        (d / "main.cf").write_text(f"""
compatibility_level = 3.6
queue_directory = {d / "queue"}
data_directory = {d / "data"}
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.relay.test
mydomain = relay.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = {relay}
transport_maps = texthash:{d / "transport"}
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_reject_unlisted_recipient = no
local_recipient_maps =
alias_maps =
alias_database =
smtputf8_enable = no
recipient_delimiter = +
smtp_dns_support_level = disabled
lmtp_host_lookup = native
disable_dns_lookups = yes
maillog_file = {d / "maillog"}
maillog_file_prefixes = {self.root}
delay_warning_time = 0
bounce_queue_lifetime = 1h
maximal_queue_lifetime = 1h
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
biff = no
append_dot_mydomain = no
readme_directory = no
shlib_directory = /usr/lib/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
""")
        master = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            cols = line.split()
            if not line or line[0] in "# \t" or len(cols) < 8:
                master.append(line)
                continue
            if cols[0] == "smtp" and cols[1] == "inet":
                cols[0] = f"127.0.0.1:{self.smtp_port}"
            cols[4] = "n"  # no chroot: the queue lives in a temp dir
            master.append("  ".join(cols))
        (d / "master.cf").write_text("\n".join(master) + "\n")

    def _allow_config_dir(self) -> None:
        """`postfix -c DIR` requires DIR in alternate_config_directories of the default
        main.cf; add this run's folder, remove it again on stop."""
        text = POSTFIX_MAIN.read_text()
        current = subprocess.run(
            ["postconf", "-h", "alternate_config_directories"], capture_output=True, text=True
        ).stdout.strip()
        dirs = [p for p in current.replace(",", " ").split() if Path(p).exists()]
        dirs.append(str(self.postfix_dir))
        subprocess.run(
            ["postconf", "-e", f"alternate_config_directories = {' '.join(dirs)}"], check=True
        )
        assert text is not None

    def _forget_config_dir(self) -> None:
        current = subprocess.run(
            ["postconf", "-h", "alternate_config_directories"], capture_output=True, text=True
        ).stdout.strip()
        dirs = [
            p
            for p in current.replace(",", " ").split()
            if p != str(self.postfix_dir) and Path(p).exists()
        ]
        subprocess.run(
            ["postconf", "-e", f"alternate_config_directories = {' '.join(dirs)}"], check=False
        )

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> MailStack:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        conf = self._write_dovecot()
        _daemon(["dovecot", "-c", str(conf)], self.root / "start.log").check_returncode()
        _wait_port(self.imap_port, "Dovecot IMAP", self.dovecot_dir / "dovecot.log")
        _wait_port(self.lmtp_port, "Dovecot LMTP", self.dovecot_dir / "dovecot.log")
        self._write_postfix()
        self._allow_config_dir()
        cfg = str(self.postfix_dir)
        start_log = self.root / "start.log"
        result = _daemon(["postfix", "-c", cfg, "start"], start_log)
        if result.returncode != 0:
            raise RuntimeError(f"postfix start failed: {start_log.read_text()[-2000:]}")
        _wait_port(self.smtp_port, "Postfix smtpd", self.postfix_dir / "maillog")
        return self

    def stop(self) -> None:
        cfg = str(self.postfix_dir)
        log = self.root / "start.log"
        _daemon(["postfix", "-c", cfg, "stop"], log)
        self._forget_config_dir()
        self._stop_dovecot()

    def _dovecot_children(self) -> list[int]:
        pid_file = self.dovecot_dir / "run" / "master.pid"
        if not pid_file.exists():
            return []
        master = pid_file.read_text().strip()
        out = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def _stop_dovecot(self) -> None:
        """Stop Dovecot the way a crash or a reboot does: every client connection drops (a
        plain stop leaves already logged-in IMAP sessions running)."""
        for pid in self._dovecot_children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        conf = str(self.dovecot_dir / "dovecot.conf")
        _daemon(["doveadm", "-c", conf, "stop"], self.root / "start.log")

    def restart_dovecot(self) -> None:
        conf = self.dovecot_dir / "dovecot.conf"
        log = self.root / "start.log"
        self._stop_dovecot()
        time.sleep(0.5)
        _daemon(["dovecot", "-c", str(conf)], log).check_returncode()
        _wait_port(self.imap_port, "Dovecot IMAP", self.dovecot_dir / "dovecot.log")

    def flush(self) -> None:
        subprocess.run(["postqueue", "-c", str(self.postfix_dir), "-f"], capture_output=True)

    def queue_is_empty(self) -> bool:
        out = subprocess.run(
            ["postqueue", "-c", str(self.postfix_dir), "-p"], capture_output=True, text=True
        ).stdout
        return "Mail queue is empty" in out

    def messages(self, user: str, folder: str | None = None) -> list[bytes]:
        base = self.maildir(user)
        if folder:
            base = base / f".{folder}"
        out = []
        for sub in ("new", "cur"):
            if (base / sub).exists():
                out += [p.read_bytes() for p in sorted((base / sub).iterdir())]
        return out


def new_stack() -> MailStack:
    return MailStack(Path(tempfile.mkdtemp(prefix="facturier-mailstack-")))
