"""Built-in probes: each module defining ``PROBE`` (a :class:`wsgidoctor.probe.Probe`) is one.

Installed as ``wsgidoctor.probes``. The WSGI scripts under ``wsgi/`` are the probe applications
that the hosting program and the live mode serve; they run unchanged under a real mod_wsgi.
"""
