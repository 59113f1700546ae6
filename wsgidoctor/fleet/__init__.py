"""Fleet: many hosts' JSON reports read together into one view.

The reports come from whatever engine already reaches the hosts (Ansible, ``kubectl exec``,
``docker exec``, Salt, a shell loop): this package only reads them (:mod:`.inputs`) and compares
them (:mod:`.view`); it never runs a command. Renderers live in :mod:`wsgidoctor.render`.
"""
