"""Persistence and file parsing: policies, shipped calendars (and, later, the database)."""

from app.store.policy_files import PolicyFileError, load_policy, load_policy_text

__all__ = ["PolicyFileError", "load_policy", "load_policy_text"]
