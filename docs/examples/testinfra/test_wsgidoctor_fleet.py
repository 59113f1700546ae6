"""Check every host of a fleet with testinfra and wsgidoctor's assertion helpers.

    pytest docs/examples/testinfra --hosts=ansible://all --ansible-inventory=inventory -n 4 \
        --wsgidoctor-fleet-dir=reports --junitxml=hosts.xml

Each test runs once per host; wsgidoctor must be installed on the hosts. The tests run this file
against three real hosts (tests/fleet/test_real_fleet.py).
"""

from wsgidoctor.pytest_plugin.assertions import assert_module_loaded, assert_no_errors


def test_apache_and_mod_wsgi_have_no_errors(wsgidoctor_host_report):
    assert_no_errors(wsgidoctor_host_report)


def test_mod_wsgi_is_loaded(wsgidoctor_host_report):
    assert_module_loaded(wsgidoctor_host_report, "wsgi")
