"""Integrations with the tools operators already run: Ansible (:mod:`.ansible`); testinfra is
served by the pytest plugin's ``wsgidoctor_host_report`` fixture."""
