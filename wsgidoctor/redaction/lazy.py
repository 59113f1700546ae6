"""Regular expressions compiled the first time they are used.

The redaction rules are several dozen regular expressions; compiling them all costs more than
redacting a whole report, and most reports only ever need a few (each rule runs only when a cheap
literal test says a string may hold its kind of secret). :func:`lazy` stands in for
:func:`re.compile` at module level.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Union, cast

#: The methods of a compiled pattern the redaction calls; bound once compiled, so a call costs
#: what a call on the compiled pattern costs.
_METHODS = ("search", "match", "fullmatch", "sub", "subn", "finditer", "findall", "split")


class _LazyPattern:
    def __init__(self, pattern: Union[str, Callable[[], str]], flags: int) -> None:
        self._source = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only called until the first compile binds the methods
        source = self._source
        compiled = re.compile(source if isinstance(source, str) else source(), self._flags)
        self.pattern = compiled.pattern
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        self.flags = compiled.flags
        self.groupindex = compiled.groupindex
        self.groups = compiled.groups
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r})"


def lazy(pattern: Union[str, Callable[[], str]], flags: int = 0) -> "re.Pattern[str]":
    """A pattern that behaves as ``re.compile(pattern, flags)`` but is compiled on first use.

    ``pattern`` may be a function returning the pattern text, when building the text costs too.
    """
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
