"""Which running server a report is about, when several are running."""

from wsgidoctor.install.probe import _defines, choose_parent


def proc(pid, *args, exe="/usr/sbin/apache2", role="parent"):
    return {"pid": pid, "ppid": 1, "exe": exe, "cmdline": [exe, *args], "username": "root", "role": role}


def test_the_distribution_service_wins_over_private_instances(tmp_path):
    conf = tmp_path / "httpd.conf"
    conf.write_text("")
    running = [proc(10, "-d", str(tmp_path)), proc(11, "-f", str(conf)), proc(12, "-k", "start"),
               proc(13, role="child")]
    assert choose_parent(running, None)["pid"] == 12


def test_config_selects_only_a_server_that_reads_that_file(tmp_path):
    conf = tmp_path / "httpd.conf"
    conf.write_text("")
    running = [proc(10, "-d", str(tmp_path)), proc(11, "-d", str(tmp_path), "-f", "httpd.conf")]
    assert choose_parent(running, None, str(conf))["pid"] == 11
    assert choose_parent([proc(10, "-d", str(tmp_path))], None, str(conf)) is None


def test_httpd_selects_only_servers_of_that_binary(tmp_path):
    other = tmp_path / "httpd"
    other.write_text("")
    running = [proc(10, exe=str(other)), proc(11)]
    assert choose_parent(running, str(other))["pid"] == 10


def test_defines_are_read_in_both_spellings():
    assert _defines(["apache2", "-D", "FOREGROUND", "-DSSL", "-k", "start"]) == ["FOREGROUND", "SSL"]


def test_only_the_examined_servers_processes_are_inspected_for_their_libpython():
    from wsgidoctor.linkage.probe import _examined_tree

    running = [proc(10), proc(11, role="child"), proc(20, "-f", "/tmp/x.conf")]
    running[1]["ppid"] = 10
    assert [p["pid"] for p in _examined_tree(running, 10)] == [10, 11]
    assert _examined_tree(running, None) == []
    assert _examined_tree(None, 10) is None


def test_one_shot_commands_are_not_servers():
    from wsgidoctor.install.probe import _is_one_shot

    assert _is_one_shot(["/usr/sbin/apache2", "-V"])
    assert _is_one_shot(["httpd", "-t", "-D", "DUMP_MODULES"])
    assert _is_one_shot(["apache2", "-d", "/etc/apache2", "-M"])
    assert not _is_one_shot(["/usr/sbin/apache2", "-k", "start"])
    assert not _is_one_shot(["/usr/sbin/httpd", "-DFOREGROUND"])
