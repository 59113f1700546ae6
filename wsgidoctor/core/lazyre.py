"""Regular expressions compiled the first time they are used, not when their module is imported.

Python compiles a pattern in Python code (``re._parser``, ``re._compiler``): from tens of
microseconds to milliseconds each. Most of wsgidoctor's patterns recognise things that one run
never meets (error messages on a healthy machine, macOS or Windows outputs on Linux), and
compiling them all at import made every start paid for a few hundred of them. A module declares
its patterns with :func:`lazy_re` as it would with ``re.compile`` and uses them the same way
(``PATTERN.match(text)``).
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, Callable, Generic, Optional, Union

#: The methods of a compiled pattern, put on the lazy one when it is compiled.
_METHODS = ("match", "search", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")


class LazyPattern(Generic[AnyStr]):
    """A pattern that compiles itself on first use, then answers as the compiled pattern does.

    The first call of any method compiles the pattern and stores the compiled pattern's bound
    methods on this object, where attribute lookup finds them before the class's: every later
    ``.match``, ``.sub``... is the compiled pattern's own, with nothing in between. ``pattern``
    (the source) needs no compilation. Two threads meeting a pattern first at the same moment both
    compile it; the results are equal, so either may win.

    It is not an instance of :class:`re.Pattern`: give :attr:`compiled` to code that checks the
    type or to the module-level functions (``re.sub(p.compiled, ...)``).
    """

    def __init__(self, pattern: Union[AnyStr, Callable[[], AnyStr]], flags: int = 0) -> None:
        self._source = pattern
        self._flags = flags
        self._compiled: Optional[re.Pattern[AnyStr]] = None

    @property
    def pattern(self) -> AnyStr:
        """The source (built now, when it was given as a function that builds it)."""
        source = self._source
        if callable(source):
            source = self._source = source()
        return source  # type: ignore[return-value]

    @property
    def compiled(self) -> "re.Pattern[AnyStr]":
        """The compiled pattern (compiled now if it was not yet)."""
        compiled = self._compiled
        if compiled is None:
            compiled = re.compile(self.pattern, self._flags)
            for name in _METHODS:
                setattr(self, name, getattr(compiled, name))
            self._compiled = compiled
        return compiled

    @property
    def flags(self) -> int:
        return self.compiled.flags

    @property
    def groups(self) -> int:
        return self.compiled.groups

    @property
    def groupindex(self) -> Any:
        return self.compiled.groupindex

    def __copy__(self) -> "LazyPattern[AnyStr]":
        return self  # immutable, as a compiled pattern is

    def __deepcopy__(self, memo: Any) -> "LazyPattern[AnyStr]":
        return self

    def __repr__(self) -> str:
        return f"lazy_re({self.pattern!r}{f', {self._flags}' if self._flags else ''})"


def _compiling(name: str) -> Any:
    """The method ``name`` as it is before the first use: compile, then call the compiled one's."""

    def method(self: LazyPattern[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self.compiled, name)(*args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


for _name in _METHODS:
    setattr(LazyPattern, _name, _compiling(_name))


def lazy_re(pattern: Union[AnyStr, Callable[[], AnyStr]], flags: int = 0) -> "re.Pattern[AnyStr]":
    """``re.compile(pattern, flags)``, done the first time the result is used.

    ``pattern`` may be a function returning the source, for a source that is itself costly to
    build (one made of many others): it is called on first use too.

    Typed as the compiled pattern it stands for, since it answers every method and attribute of
    one (see :class:`LazyPattern`).
    """
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
