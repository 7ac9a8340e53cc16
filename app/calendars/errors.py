"""The errors of reading a calendar or source, shared by `sources` and `zones`."""

from app.domain import PurdahError

__all__ = ["CalendarError", "TooLarge"]


class CalendarError(PurdahError):
    """A source that cannot be read; `where` names the line or field."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class TooLarge(PurdahError):
    """An upload, download or calendar beyond the configured limits (413)."""
