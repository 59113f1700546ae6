"""wsgidoctor fleet reads reports however the engine that collected them wrapped them."""

from __future__ import annotations

import io
import json

from wsgidoctor.fleet.inputs import read_inputs


def test_a_directory_in_ansible_fetch_layout_names_each_host_by_its_folder(tmp_path, reports):
    for host, report in reports.items():
        target = tmp_path / host / "var" / "tmp" / "wsgidoctor.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(report))
    got = read_inputs([str(tmp_path)])
    assert sorted(h.host for h in got.hosts) == ["web1", "web2", "web3"]
    assert not got.problems


def test_ansible_results_facts_and_facts_d_wrappers_are_unwrapped(tmp_path, reports):
    module_result = {"changed": False, "rc": 2, "ansible_facts": {"wsgidoctor": reports["web2"]}}
    gathered = {"ansible_facts": {"ansible_local": {"wsgidoctor": reports["web3"]}}}
    (tmp_path / "web2.json").write_text(json.dumps(module_result))
    (tmp_path / "web3.json").write_text(json.dumps(gathered))
    (tmp_path / "web1.fact").write_text(json.dumps(reports["web1"]))
    got = read_inputs([str(tmp_path / n) for n in ("web1.fact", "web2.json", "web3.json")])
    assert {h.host: h.report["summary"]["status"] for h in got.hosts} == {
        "web1": "ok", "web2": "error", "web3": "warning"}


def test_json_lines_on_standard_input_carry_their_own_host_names(reports):
    stream = "".join(json.dumps({"host": h, "report": r}) + "\n" for h, r in reports.items())
    got = read_inputs(["-"], stdin=io.BytesIO(stream.encode()))
    assert [h.host for h in got.hosts] == ["web1", "web2", "web3"]


def test_a_mapping_of_hosts_to_reports_is_read_whole(reports):
    got = read_inputs(["-"], stdin=io.BytesIO(json.dumps(reports).encode()))
    assert sorted(h.host for h in got.hosts) == ["web1", "web2", "web3"]


def test_inputs_without_a_report_are_named_and_the_rest_still_read(tmp_path, reports):
    (tmp_path / "web1.json").write_text(json.dumps(reports["web1"]))
    (tmp_path / "broken.json").write_text('{"schema_version": "1.0", "findings": [')
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    got = read_inputs([str(tmp_path), str(tmp_path / "missing.json")])
    assert [h.host for h in got.hosts] == ["web1"]
    problems = "\n".join(got.problems)
    assert "broken.json: not JSON" in problems
    assert "other.json: holds no wsgidoctor report" in problems
    assert "missing.json: no such file" in problems


def test_two_reports_with_one_name_stay_apart(tmp_path, reports):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "web1.json").write_text(json.dumps(reports["web1"]))
    got = read_inputs([str(tmp_path)])
    assert len({h.host for h in got.hosts}) == 2


def test_a_salt_style_mapping_of_hosts_to_command_output_is_read(reports):
    salt = {host: json.dumps(report) for host, report in reports.items()}  # salt --out=json --static cmd.run
    got = read_inputs(["-"], stdin=io.BytesIO(json.dumps(salt).encode()))
    assert sorted(h.host for h in got.hosts) == ["web1", "web2", "web3"]


def test_the_output_of_an_ad_hoc_ansible_command_is_read_host_by_host(reports):
    text = "".join(f"{h} | SUCCESS => " + json.dumps({"changed": False, "ansible_facts": {"wsgidoctor": r}}, indent=4)
                   + "\n" for h, r in reports.items())
    text += ('web4 | UNREACHABLE! => {\n    "changed": false,\n    "msg": "Failed to connect to the host via ssh",\n'
             '    "unreachable": true\n}\n')
    got = read_inputs(["-"], stdin=io.BytesIO(text.encode()))
    assert [h.host for h in got.hosts] == ["web1", "web2", "web3"]
    assert got.problems == ["-: web4: unreachable: Failed to connect to the host via ssh"]
