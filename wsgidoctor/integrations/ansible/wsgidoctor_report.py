#!/usr/bin/python
# -*- coding: utf-8 -*-
# Shipped with wsgidoctor (Apache-2.0). Runs on the managed host; needs wsgidoctor installed there.
"""Ansible module: run ``wsgidoctor report --json`` on the host and return it as facts."""

from __future__ import annotations

DOCUMENTATION = r"""
module: wsgidoctor_report
short_description: Examine the host's Apache + mod_wsgi with wsgidoctor and return the report as facts
description:
  - Runs C(wsgidoctor report --json) on the managed host and sets the fact C(wsgidoctor) to the
    report (facts, findings, summary). The task always succeeds when wsgidoctor ran: findings are
    data, so let C(assert) or C(failed_when) decide what fails a host.
  - wsgidoctor must be installed on the host (C(pip install wsgidoctor)).
  - The report is redacted as C(wsgidoctor report) redacts it; raw command outputs are left out
    unless I(raw=true).
options:
  executable:
    description: The wsgidoctor command (a name on PATH, or a path).
    type: str
    default: wsgidoctor
  live:
    description: Also start a throwaway copy of the server on 127.0.0.1 and ask the probe application.
    type: bool
    default: false
  httpd:
    description: The httpd/apache2 binary to examine.
    type: path
  config:
    description: The main Apache configuration file.
    type: path
  ignore:
    description: Finding ids to leave out.
    type: list
    elements: str
    default: []
  timeout:
    description: Time limit in seconds for each command wsgidoctor runs.
    type: float
    default: 20
  raw:
    description: Keep the raw command outputs in the fact (large).
    type: bool
    default: false
  redact_hosts:
    description: Also replace host names and IP addresses in the report.
    type: bool
    default: false
author: wsgidoctor
"""

EXAMPLES = r"""
- name: Examine Apache + mod_wsgi
  wsgidoctor_report:

- name: No host may have an error
  ansible.builtin.assert:
    that: wsgidoctor.summary.status != 'error'
    fail_msg: "{{ wsgidoctor.findings | selectattr('severity', 'eq', 'error') | map(attribute='id') | list }}"

- name: Keep every host's report for `wsgidoctor fleet reports/`
  ansible.builtin.copy:
    content: "{{ wsgidoctor | to_json }}"
    dest: "reports/{{ inventory_hostname }}.json"
  delegate_to: localhost
"""

RETURN = r"""
exit_code:
  description: >-
    wsgidoctor's exit code (0 healthy, 1 warnings, 2 errors). Not returned as C(rc): Ansible
    fails a task whose rc is not zero, and the facts would be lost with it.
  returned: always
  type: int
status:
  description: C(ok), C(warning) or C(error).
  returned: success
  type: str
finding_ids:
  description: The ids of every finding, worst first.
  returned: success
  type: list
ansible_facts:
  description: C(wsgidoctor), the JSON report.
  returned: success
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule

#: wsgidoctor's exit codes that come with a report: 0 healthy, 1 warnings, 2 errors.
REPORT_CODES = (0, 1, 2)


def build_command(module, executable):
    p = module.params
    argv = [executable, "report", "--json", "--fail-on", "warning", "--timeout", str(p["timeout"])]
    if p["live"]:
        argv.append("--live")
    if p["httpd"]:
        argv += ["--httpd", p["httpd"]]
    if p["config"]:
        argv += ["--config", p["config"]]
    if p["redact_hosts"]:
        argv.append("--redact-hosts")
    for finding_id in p["ignore"]:
        argv += ["--ignore", finding_id]
    return argv


def main():
    module = AnsibleModule(
        argument_spec=dict(
            executable=dict(type="str", default="wsgidoctor"),
            live=dict(type="bool", default=False),
            httpd=dict(type="path"),
            config=dict(type="path"),
            ignore=dict(type="list", elements="str", default=[]),
            timeout=dict(type="float", default=20.0),
            raw=dict(type="bool", default=False),
            redact_hosts=dict(type="bool", default=False),
        ),
        supports_check_mode=True,  # wsgidoctor only reads: check mode runs it as well
    )
    executable = module.params["executable"]
    if "/" not in executable:
        found = module.get_bin_path(executable, opt_dirs=["/usr/local/bin"])
        if not found:
            module.fail_json(msg=f"{executable} is not installed on this host (pip install wsgidoctor), "
                                 "or give its path with executable=", exit_code=127)
        executable = found
    argv = build_command(module, executable)
    rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C.UTF-8"})
    if rc not in REPORT_CODES:
        module.fail_json(msg=f"wsgidoctor could not examine this host (exit code {rc}): {err.strip()[-2000:]}",
                         exit_code=rc, cmd=argv, stderr=err)
    try:
        report = json.loads(out)
    except ValueError as exc:
        module.fail_json(msg=f"wsgidoctor printed no JSON report ({exc})", exit_code=rc, cmd=argv,
                         stdout=out[-2000:], stderr=err[-2000:])
    if not module.params["raw"]:
        report["raw"] = []
    findings = report.get("findings") or []
    module.exit_json(
        changed=False, exit_code=rc,
        status=(report.get("summary") or {}).get("status"),
        finding_ids=[f.get("id") for f in findings],
        ansible_facts={"wsgidoctor": report},
    )


if __name__ == "__main__":
    main()
