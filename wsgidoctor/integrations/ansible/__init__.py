"""The Ansible module ``wsgidoctor_report`` (the file beside this one).

Ansible finds it through ``library=`` in ansible.cfg, ``ANSIBLE_LIBRARY`` or a ``library/``
folder next to the playbook; ``python -m wsgidoctor.integrations.ansible`` prints this folder::

    ANSIBLE_LIBRARY=$(python -m wsgidoctor.integrations.ansible) ansible-playbook site.yml

See docs/fleet.md. This package is never imported by wsgidoctor itself.
"""

import os

LIBRARY = os.path.dirname(os.path.abspath(__file__))
