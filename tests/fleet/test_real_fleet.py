"""A real fleet: three Debian 12 hosts, each with its own Apache + mod_wsgi and sshd on 127.0.0.1,
one with a prefork MPM, one broken (a WSGIPythonHome that does not exist). wsgidoctor is
installed on each from the wheel PyPI gets; the hosts have no C compiler.

- Ansible (ansible-core, ssh connection) runs the shipped module with the example playbook,
  collects every report, and its assert names the broken host and its finding;
- `wsgidoctor fleet` names the broken host first with its finding, shows the MPM difference, and
  its JUnit validates against Apache Ant's JUnit schema;
- testinfra with xdist runs the example tests once per host through `wsgidoctor_host_report`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fleet.conftest import validate_junit
from tests.fleet.hosts import Host, in_root, make_host, replace_file, unavailable
from tests.packaging.build import repaired_wheel, shared_dist
from wsgidoctor.integrations.ansible import LIBRARY

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.apache]


def _prefork(root: Path) -> None:
    in_root(root, "a2dismod", "-q", "mpm_event")
    in_root(root, "a2enmod", "-q", "mpm_prefork")


def _broken_home(root: Path) -> None:
    replace_file(root / "etc" / "apache2" / "conf-available" / "python-home.conf",
                 "# The virtual environment was deleted in a clean-up; this line stayed.\n"
                 "WSGIPythonHome /opt/venvs/shop\n")
    in_root(root, "a2enconf", "-q", "python-home")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    reason = unavailable()
    if reason:
        pytest.fail(f"a real fleet cannot be made here: {reason}")
    wheel = repaired_wheel(shared_dist(tmp_path_factory))
    tmp = tmp_path_factory.mktemp("fleet")
    key = tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=60)
    hosts: list[Host] = []
    try:
        for name, change in (("web1", None), ("web2", _prefork), ("web3", _broken_home)):
            hosts.append(make_host(name, tmp / "hosts" / name, wheel, key.with_suffix(".pub").read_text(), change))
        inventory = tmp / "inventory"
        inventory.write_text("[web]\n" + "".join(f"{h.name} ansible_port={h.port}\n" for h in hosts) + (
            "[web:vars]\nansible_host=127.0.0.1\nansible_user=root\n"
            f"ansible_ssh_private_key_file={key}\nansible_python_interpreter=/usr/bin/python3\n"
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
            "-o ControlMaster=no -o ControlPersist=no'\n"))
        yield {"tmp": tmp, "inventory": inventory, "hosts": hosts}
    finally:
        for host in hosts:
            host.stop()
        subprocess.run(["rm", "-rf", str(tmp / "hosts")], timeout=300)


def _ansible_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_LIBRARY": LIBRARY, "ANSIBLE_HOME": str(tmp / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"), "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "False", "ANSIBLE_PYTHON_INTERPRETER": "auto_silent"}


def _wsgidoctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsgidoctor", *args], capture_output=True, text=True, timeout=120)


def test_a_playbook_collects_every_report_and_fleet_names_the_broken_host(fleet):
    tmp = fleet["tmp"]
    reports = tmp / "reports"
    play = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(fleet["inventory"]),
                           str(EXAMPLES / "ansible" / "collect.yml"), "-e", f"reports_dir={reports}"],
                          capture_output=True, text=True, timeout=600, env=_ansible_env(tmp))
    out = play.stdout + play.stderr
    assert play.returncode == 2, out  # the assert failed a host; every task ran
    assert "fatal: [web3]" in out and "web3: python-home-invalid" in out, out
    for healthy in ("web1", "web2"):
        assert f"fatal: [{healthy}]" not in out
    assert sorted(p.name for p in reports.iterdir()) == ["web1.json", "web2.json", "web3.json"]
    web1 = json.loads((reports / "web1.json").read_text())
    assert web1["facts"]["apache"]["mpm"]["name"] == "event" and web1["summary"]["status"] != "error"

    text = _wsgidoctor("fleet", str(reports))
    assert text.returncode == 2, text.stderr
    hosts = [line.split()[1] for line in text.stdout.split("Hosts, worst first\n")[1].split("\n\n")[0].splitlines()]
    assert hosts[0] == "web3" and sorted(hosts) == ["web1", "web2", "web3"], text.stdout
    assert text.stdout.splitlines()[3].lstrip().startswith("ERROR  web3"), text.stdout
    assert "python-home-invalid (1 host)" in text.stdout and "hosts: web3" in text.stdout
    assert "MPM: event on web3, web1; prefork on web2" in text.stdout, text.stdout

    junit = _wsgidoctor("fleet", "--junit", str(reports))
    validate_junit(junit.stdout)
    assert junit.stdout.count("<testsuite ") == 3
    web3 = junit.stdout.split('<testsuite name="web3"')[1].split("</testsuite>")[0]
    assert '<failure type="python-home-invalid"' in web3 and "Fix: " in web3
    web1_suite = junit.stdout.split('<testsuite name="web1"')[1].split(">")[0]
    assert 'failures="0"' in web1_suite and 'errors="0"' in web1_suite


def test_testinfra_checks_each_host_with_the_assertion_helpers_under_xdist(fleet):
    tmp = fleet["tmp"]
    junit = tmp / "testinfra.xml"
    saved = tmp / "testinfra-reports"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2",
                          str(EXAMPLES / "testinfra"), "--hosts=ansible://all",
                          f"--ansible-inventory={fleet['inventory']}", f"--junitxml={junit}",
                          f"--wsgidoctor-fleet-dir={saved}", "--rootdir", str(tmp)],
                         capture_output=True, text=True, timeout=600, env=_ansible_env(tmp), cwd=tmp)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "1 failed, 5 passed" in out, out
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and "test_apache_and_mod_wsgi_have_no_errors[ansible://web3]" in failed[0], out
    assert "[error] python-home-invalid" in out and "fix: Set the home" in out, out
    assert sorted(p.name for p in saved.iterdir()) == ["web1.json", "web2.json", "web3.json"]
    assert _wsgidoctor("fleet", str(saved)).stdout.splitlines()[3].lstrip().startswith("ERROR  web3")


def test_facts_d_reaches_ansible_fact_gathering_and_fleet_reads_its_json_output(fleet):
    tmp = fleet["tmp"]
    env = _ansible_env(tmp)
    inventory = str(fleet["inventory"])
    install = subprocess.run([str(BIN / "ansible"), "web", "-i", inventory, "-m", "ansible.builtin.shell", "-a",
                              "mkdir -p /etc/ansible/facts.d && wsgidoctor facts > /etc/ansible/facts.d/wsgidoctor.fact"],
                             capture_output=True, text=True, timeout=300, env=env)
    assert install.returncode == 0, install.stdout + install.stderr  # facts exits 0 on the broken host too
    gathered = subprocess.run([str(BIN / "ansible"), "web", "-i", inventory, "-m", "ansible.builtin.setup",
                               "-a", "gather_subset=!all,!min,local filter=ansible_local"],
                              capture_output=True, text=True, timeout=300, env=env)
    assert gathered.returncode == 0, gathered.stdout + gathered.stderr
    text = subprocess.run([sys.executable, "-m", "wsgidoctor", "fleet", "-"], input=gathered.stdout,
                          capture_output=True, text=True, timeout=120)
    assert text.returncode == 2, text.stderr
    assert text.stdout.splitlines()[3].lstrip().startswith("ERROR  web3"), text.stdout
    assert "3 hosts: 1 with errors" in text.stdout


def test_the_module_fails_with_what_to_do_when_wsgidoctor_is_missing(fleet):
    done = subprocess.run([str(BIN / "ansible"), "web1", "-i", str(fleet["inventory"]), "-m", "wsgidoctor_report",
                           "-a", "executable=no-such-wsgidoctor"],
                          capture_output=True, text=True, timeout=300, env=_ansible_env(fleet["tmp"]))
    assert done.returncode != 0
    assert "no-such-wsgidoctor is not installed on this host (pip install wsgidoctor)" in done.stdout, done.stdout
    assert "Traceback" not in done.stdout + done.stderr
