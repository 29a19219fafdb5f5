"""The one error the engine raises to refuse an EA's message: the gateway answers it with
``ERR|code|text`` (docs/protocol.md)."""

from __future__ import annotations

from ..protocol import ErrorCode


class EngineError(Exception):
    """A message the engine refuses; carries the protocol error code to answer with."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
