"""SELinux from real captured outputs (fixtures/selinux, sources in its README): SELinux cannot
run on the Debian machines that test wsgidoctor, so the parsers and rules are proven on what
RHEL/CentOS/Fedora users published, through `wsgidoctor analyze` as a user would paste them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wsgidoctor.areas import detect_kind
from wsgidoctor.sandbox.parse_selinux import parse_avc, parse_getsebool, parse_ls_z

FIXTURES = Path(__file__).parents[2] / "fixtures" / "selinux"


def analyze(*names: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", "--no-redact",
                           *[str(FIXTURES / n) for n in names]], capture_output=True, text=True, timeout=60)
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name,kind", [("avc-cobbler-wsgi.txt", "avc"), ("avc-ipa-wsgi.txt", "avc"),
                                       ("getsebool-httpd.txt", "getsebool"), ("ls-dZ-log-dir.txt", "ls-Z"),
                                       ("ls-Zd-home-fedora.txt", "ls-Z"), ("ls-Z-home-centos.txt", "ls-Z")])
def test_each_capture_is_recognised(name: str, kind: str) -> None:
    assert detect_kind((FIXTURES / name).read_text()) == kind


def test_the_cobbler_denial_names_httpd_the_directory_and_its_label() -> None:
    (d,) = parse_avc((FIXTURES / "avc-cobbler-wsgi.txt").read_text())["selinux"]["denials"]
    assert (d["permissions"], d["name"], d["source_type"], d["target_type"], d["tclass"]) == (
        ["search"], "cobbler", "httpd_t", "cobbler_var_log_t", "dir")


def test_booleans_of_a_centos_httpd() -> None:
    booleans = parse_getsebool((FIXTURES / "getsebool-httpd.txt").read_text())["selinux"]["booleans"]
    assert len(booleans) == 43
    assert booleans["httpd_can_network_connect"] is False and booleans["httpd_enable_cgi"] is True


def test_both_ls_z_layouts() -> None:
    old = parse_ls_z((FIXTURES / "ls-dZ-log-dir.txt").read_text())["selinux"]["labels"]
    new = parse_ls_z((FIXTURES / "ls-Zd-home-fedora.txt").read_text())["selinux"]["labels"]
    assert old == [{"path": "/var/www/chatbotv1/log", "context": "unconfined_u:object_r:httpd_log_t:s0",
                    "type": "httpd_log_t"}]
    assert new[0]["type"] == "user_home_t" and new[0]["path"] == "/home/pk/ownco2"


def test_analyze_reports_the_denial_with_the_relabel_fix() -> None:
    report = analyze("avc-cobbler-wsgi.txt", "getsebool-httpd.txt")
    (f,) = [f for f in report["findings"] if f["id"] == "selinux-denial"]
    assert "denied { search } on dir cobbler labelled cobbler_var_log_t" in f["detail"]
    assert "restorecon" in f["fix"]


def test_a_home_directory_label_is_unreadable_for_httpd_and_a_log_label_is_not() -> None:
    flagged = analyze("ls-Z-home-centos.txt")["findings"]
    assert [f["id"] for f in flagged] == ["selinux-label-unreadable"]
    assert "httpd_read_user_content" in flagged[0]["fix"]
    assert analyze("ls-dZ-log-dir.txt")["findings"] == []


APPARMOR = Path(__file__).parents[2] / "fixtures" / "apparmor"


def test_apparmor_denials_from_real_kernel_logs() -> None:
    proc = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", "--no-redact",
                           str(APPARMOR / "denied-static-file.txt")], capture_output=True, text=True, timeout=60)
    (f,) = json.loads(proc.stdout)["findings"]
    assert f["id"] == "apparmor-denial"
    assert "denied apache2 (fsuid 33) open /var/www/securedrop/static/fonts/fontawesome-webfont.eot" in f["detail"]
    assert "`/var/www/securedrop/static/fonts/fontawesome-webfont.eot r,`" in f["fix"]
    proc = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", "--no-redact",
                           str(APPARMOR / "denied-wsgi-exec.txt")], capture_output=True, text=True, timeout=60)
    (f,) = json.loads(proc.stdout)["findings"]
    assert "exec /bin/uname" in f["detail"] and "`/bin/uname ix,`" in f["fix"]


def test_denials_and_labels_of_several_inputs_are_all_kept() -> None:
    """Two audit logs (and two ls -Z outputs) given to one analyze: each adds its observations; the
    same log given twice does not count its denials twice."""
    report = analyze("avc-cobbler-wsgi.txt", "avc-ipa-wsgi.txt", "avc-ipa-wsgi.txt",
                     "ls-Z-home-centos.txt", "ls-dZ-log-dir.txt")
    assert sorted(d["target_type"] for d in report["facts"]["selinux"]["denials"]) == [
        "cobbler_var_log_t", "dirsrv_unit_file_t"]
    details = [f["detail"] for f in report["findings"] if f["id"] == "selinux-denial"]
    assert len(details) == 2 and any("cobbler_var_log_t" in d for d in details)
    assert len(report["facts"]["selinux"]["labels"]) == 2
    assert [f["id"] for f in report["findings"] if f["id"] == "selinux-label-unreadable"]


def test_apparmor_denials_of_two_kernel_logs_are_both_kept() -> None:
    proc = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", "--no-redact",
                           str(APPARMOR / "denied-static-file.txt"), str(APPARMOR / "denied-wsgi-exec.txt")],
                          capture_output=True, text=True, timeout=60)
    details = [f["detail"] for f in json.loads(proc.stdout)["findings"] if f["id"] == "apparmor-denial"]
    assert any("fontawesome-webfont.eot" in d for d in details) and any("exec /bin/uname" in d for d in details)
