"""
Settings, from the environment (prefix `PURDAH_`) with defaults for a development checkout.

Built once by the CLI's callback (and later by `create_app`) and passed down; never read
from a module global.
"""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """
    Attributes:
        policy_dir: folder of `<organisation>.yaml` policy files (`PURDAH_POLICY_DIR`).
        calendar_dir: folder of shipped election calendars, `*.ics` (`PURDAH_CALENDAR_DIR`).
        organisation: the organisation the CLI speaks for (`PURDAH_ORGANISATION`).
    """

    model_config = SettingsConfigDict(env_prefix="PURDAH_", extra="ignore")

    policy_dir: Path = _ROOT / "policies"
    calendar_dir: Path = _ROOT / "calendars"
    organisation: str = "redruth"

    def policy_path(self) -> Path:
        """The policy file of the configured organisation."""
        return self.policy_dir / f"{self.organisation}.yaml"
