"""Print the folder to give Ansible as ``library=`` (or ``ANSIBLE_LIBRARY``)."""

from wsgidoctor.integrations.ansible import LIBRARY

print(LIBRARY)
