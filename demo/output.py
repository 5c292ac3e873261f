"""Where the seeders report what they added: the command's stdout (an OutputWrapper) or, in tests, a
StringIO. Both only need `write`."""

from __future__ import annotations

from typing import Protocol


class Output(Protocol):
    def write(self, text: str, /) -> object: ...
