"""Real hosts for the fleet tests: Debian 12 root file systems, each with its own Apache and
mod_wsgi, each running its own sshd on 127.0.0.1 in its own PID, mount and UTS namespaces.

The base system is built once with debootstrap (about 80 s) and cached in
/var/cache/wsgidoctor-fleet (``WSGIDOCTOR_FLEET_CACHE``). A host is a copy of it: /usr
hard-linked (nothing writes there but new files), the rest copied. Each host gets the wheel
under test installed with its own pip - the host has no C compiler - and an sshd started by
``unshare``, stopped by its pid; its /proc shows only its own processes, as on a real machine.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from tests.support.apache_harness import free_port, wait_for_port

CACHE = Path(os.environ.get("WSGIDOCTOR_FLEET_CACHE", "/var/cache/wsgidoctor-fleet"))
SUITE = "bookworm"
MIRROR = os.environ.get("WSGIDOCTOR_DEBIAN_MIRROR", "http://deb.debian.org/debian")
PACKAGES = ("apache2", "libapache2-mod-wsgi-py3", "python3", "python3-pip", "python3-psutil",
            "python3-pyelftools", "python3-rich", "python3-macholib", "openssh-server")
BASE = CACHE / f"{SUITE}-fleet-1"
COMPLETE = ".wsgidoctor-fleet-complete"


def unavailable() -> Optional[str]:
    """Why real hosts cannot be made here, or None."""
    if os.geteuid() != 0:
        return "needs root (debootstrap, chroot, unshare)"
    for tool in ("debootstrap", "unshare", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/test.sh installs it)"
    return None


def base_system() -> Path:
    """The cached Debian base with Apache, mod_wsgi, Python and sshd; built if missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (BASE / COMPLETE).exists():
            return BASE
        building = CACHE / f".building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        done = subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
                               SUITE, str(building), MIRROR], capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise RuntimeError(f"debootstrap failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        subprocess.run(["chroot", str(building), "apt-get", "clean"], check=True, timeout=300)
        shutil.rmtree(building / "var" / "lib" / "apt" / "lists", ignore_errors=True)
        (building / COMPLETE).write_text(f"{SUITE} {' '.join(PACKAGES)}\n")
        shutil.rmtree(BASE, ignore_errors=True)
        building.rename(BASE)
        return BASE


def in_root(root: Path, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command chrooted into ``root`` (set-up only: the tests reach hosts through sshd)."""
    done = subprocess.run(["chroot", str(root), *argv], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/root"})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} in {root} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done


def replace_file(path: Path, text: str) -> None:
    """Write ``path`` as a new file: a hard-linked original (from the cache) stays untouched."""
    if path.exists() or path.is_symlink():
        path.unlink()
    path.write_text(text)


@dataclass
class Host:
    """One running host: its root, its sshd's port and process."""

    name: str
    root: Path
    port: int
    process: subprocess.Popen

    def stop(self) -> None:
        """Stop the host's sshd and everything in its namespaces (ours, by pid)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def copy_base(base: Path, root: Path) -> None:
    """A host's file system: /usr hard-linked to the cache, everything else copied."""
    root.mkdir(parents=True)
    for entry in base.iterdir():
        if entry.name == COMPLETE:
            continue
        flags = "-al" if entry.name == "usr" else "-a"
        subprocess.run(["cp", flags, str(entry), str(root / entry.name)], check=True, timeout=600)


def make_host(name: str, root: Path, wheel: Path, public_key: str,
              change: Optional[Callable[[Path], None]] = None) -> Host:
    """Copy the base, install the wheel, apply ``change``, start sshd on 127.0.0.1."""
    copy_base(base_system(), root)
    for stale in ("var/log/wtmp", "var/log/btmp", "var/log/lastlog"):
        (root / stale).unlink(missing_ok=True)
    shutil.copy(wheel, root / "tmp" / wheel.name)
    in_root(root, "python3", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
            "--break-system-packages", f"/tmp/{wheel.name}")
    ssh_dir = root / "root" / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(public_key)
    os.chmod(ssh_dir / "authorized_keys", 0o600)
    host_key = root / "etc" / "ssh" / "ssh_host_ed25519_key"
    for old in (root / "etc" / "ssh").glob("ssh_host_*"):
        old.unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True, timeout=60)
    (root / "run" / "sshd").mkdir(parents=True, exist_ok=True)
    if change is not None:
        change(root)
    port = free_port()
    sshd = ["/usr/sbin/sshd", "-D", "-e", "-p", str(port), "-o", "ListenAddress=127.0.0.1",
            "-o", "HostKey=/etc/ssh/ssh_host_ed25519_key", "-o", "PidFile=none", "-o", "UsePAM=no",
            "-o", "PermitRootLogin=prohibit-password", "-o", "PrintLastLog=no", "-o", "UseDNS=no"]
    script = f'hostname {name} && exec chroot {root} {" ".join(sshd)}'
    process = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "--mount", "--uts",
                                f"--mount-proc={root}/proc", "sh", "-c", script],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    host = Host(name, root, port, process)
    problem = wait_for_port(process, port, 30)
    if problem is not None:
        host.stop()
        raise RuntimeError(f"sshd of {name} {problem}")
    return host
