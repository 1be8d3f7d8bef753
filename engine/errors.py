"""The one error the engine raises: its message is a sentence a user can act on."""


class EngineError(RuntimeError):
    """The embedded engine could not be assembled, started, stopped or reached."""
