"""supervisord for the system's processes: its configuration from the Procfile, and status.

    ops/supervisor.py conf RUN_DIR LOG_DIR   write RUN_DIR/supervisord.conf
    ops/supervisor.py status RUN_DIR LOG_DIR print each process: state, pid, uptime, restarts

The Procfile stays the one list of processes (docker-compose.yml mirrors it). Every process
is restarted when it exits, with supervisord's backoff (1 s, 2 s, 3 s, ... between tries); a
process that exits within START_SECONDS of each of START_RETRIES tries is given up on: it is
FATAL in `make status`, and supervisord's log says "gave up". Standard library only: it runs
before the virtualenv's packages are needed.
"""

import os
import re
import socket
import sys
import time
import xmlrpc.client
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = int(os.environ.get("SUPERVISOR_START_SECONDS", "5"))  # this long is started
# Tries that each end within START_SECONDS before the process is FATAL (given up on).
START_RETRIES = int(os.environ.get("SUPERVISOR_START_RETRIES", "10"))
PROCFILE = Path(os.environ.get("PROCFILE", ROOT / "Procfile"))
STOP_SECONDS = 30  # SIGTERM, then SIGKILL after this long (a relay finishes its batch)


def procfile() -> list[tuple[str, str]]:
    entries = []
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries.append((name.strip(), command.strip()))
    return entries


def conf(run_dir: Path, log_dir: Path) -> str:
    lines = [
        "[unix_http_server]",
        f"file={run_dir}/supervisor.sock",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={log_dir}/supervisord.log",
        f"pidfile={run_dir}/supervisord.pid",
        f"directory={ROOT}",
        "logfile_maxbytes=10MB",
        "logfile_backups=3",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{run_dir}/supervisor.sock",
    ]
    for name, command in procfile():
        # sh expands the Procfile's ${VAR:-default}; exec makes the process supervisord's
        # own child, so signals reach it. '%' is supervisord's expansion character.
        shell = "exec " + command.replace("%", "%%")
        lines += [
            "",
            f"[program:{name}]",
            f"command=/bin/sh -c '{shell}'",
            f"directory={ROOT}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={log_dir}/{name}.log",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=3",
        ]
    return "\n".join(lines) + "\n"


class UnixHTTPConnection(HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UnixHTTPConnection(self.path)


def restarts(log: Path) -> dict[str, int]:
    """Spawns of each process since supervisord last started, less the first."""
    spawned: dict[str, int] = {}
    if not log.exists():
        return spawned
    for line in log.read_text(errors="replace").splitlines():
        if "supervisord started with pid" in line:
            spawned.clear()
        match = re.search(r"spawned: '([^']+)'", line)
        if match:
            spawned[match.group(1)] = spawned.get(match.group(1), 0) + 1
    return {name: max(0, count - 1) for name, count in spawned.items()}


def uptime(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def status(run_dir: Path, log_dir: Path) -> int:
    proxy = xmlrpc.client.ServerProxy(
        "http://localhost", transport=UnixTransport(str(run_dir / "supervisor.sock"))
    )
    try:
        processes = proxy.supervisor.getAllProcessInfo()
    except OSError:
        print("system: not running")
        return 1
    counts = restarts(log_dir / "supervisord.log")
    print(f"{'process':<24}{'state':<10}{'pid':>8}  {'uptime':>9}  {'restarts':>8}")
    now = time.time()
    for info in processes:
        running = info["statename"] == "RUNNING"
        print(
            f"{info['name']:<24}{info['statename']:<10}{info['pid'] or '-':>8}  "
            f"{uptime(now - info['start']) if running else '-':>9}  "
            f"{counts.get(info['name'], 0):>8}"
            + (f"  {info['spawnerr'] or info['description']}" if not running else "")
        )
    return 0


def main() -> int:
    action, run_dir, log_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if action == "conf":
        (run_dir / "supervisord.conf").write_text(conf(run_dir, log_dir))
        return 0
    if action == "status":
        return status(run_dir, log_dir)
    print(f"supervisor: unknown action {action!r} (conf or status)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
