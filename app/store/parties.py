"""The registered political parties shipped with the service (filled in by data/parties.csv)."""

from app.domain.candidates import Party

__all__ = ["shipped_parties"]


def shipped_parties() -> tuple[Party, ...]:
    """The parties of the Electoral Commission's register, as shipped (none yet)."""
    return ()
