"""Read-only views of a report's facts, as the pytest plugin's fixtures hand them to tests.

A view is rooted at one part of the facts (``apache``, ``linkage``, ``python``) and looks values up
by dotted path relative to that root: ``wsgidoctor_apache["mpm.name"]``. A value the report does
not show is ``None``, as in the facts contract (docs/facts.md); nothing here probes or guesses.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

from wsgidoctor.core import facts as factlib


class FactsView(Mapping[str, Any]):
    """The facts under ``root`` (a dotted path, or ``""`` for all of them), looked up by dotted path.

    ``view["a.b"]`` and ``view.get("a.b")`` return the value or ``None`` when the report does not
    show it (a missing fact is data, not an error). Iterating yields the top-level keys under the
    root. ``view.facts`` is the whole facts dict, for paths outside the root.
    """

    def __init__(self, facts: Mapping[str, Any], root: str = "") -> None:
        self.facts = facts
        self.root = root

    def _node(self) -> Mapping[str, Any]:
        node = factlib.get(self.facts, self.root) if self.root else self.facts
        return node if isinstance(node, Mapping) else {}

    def get(self, path: str, default: Any = None) -> Any:  # type: ignore[override]
        return factlib.get(self._node(), path, default)

    def __getitem__(self, path: str) -> Any:
        return self.get(path)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.get(path, _ABSENT) is not _ABSENT

    def __iter__(self) -> Iterator[str]:
        return iter(self._node())

    def __len__(self) -> int:
        return len(self._node())

    @property
    def known(self) -> bool:
        """True when the report holds any fact under this view's root."""
        return bool(self._node())

    def path(self, relative: str) -> str:
        """The full dotted path of ``relative`` (for messages: ``apache.mpm.name``)."""
        return f"{self.root}.{relative}" if self.root else relative

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root or 'facts'}: {', '.join(sorted(self._node())) or 'nothing known'})"


_ABSENT = object()


class ApacheFacts(FactsView):
    """The ``apache`` facts, with shortcuts for what tests ask most: version, MPM and modules."""

    def __init__(self, facts: Mapping[str, Any]) -> None:
        super().__init__(facts, "apache")

    @property
    def version(self) -> Optional[str]:
        return self.get("version")

    @property
    def mpm(self) -> Optional[str]:
        """The MPM name in lower case (``event``, ``worker``, ``prefork``), or None."""
        return self.get("mpm.name")

    @property
    def modules(self) -> Optional[frozenset[str]]:
        """Names of the loaded modules (``wsgi_module``...), or None when ``httpd -M`` was not read."""
        mods = self.get("modules")
        if not isinstance(mods, list):
            return None
        return frozenset(m["name"] for m in mods if isinstance(m, Mapping) and m.get("name"))

    def has_module(self, name: str) -> Optional[bool]:
        """Whether ``name`` (``wsgi`` or ``wsgi_module``) is loaded; None when unknown."""
        mods = self.modules
        if mods is None:
            return None
        return module_name(name) in mods


def module_name(name: str) -> str:
    """Apache's module name for ``name``: ``wsgi`` and ``mod_wsgi`` become ``wsgi_module``."""
    name = name.strip()
    if name.endswith(".so") or name.endswith(".c"):
        name = name.rsplit(".", 1)[0]
    if name.startswith("mod_"):
        name = name[4:]
    return name if name.endswith("_module") else f"{name}_module"
