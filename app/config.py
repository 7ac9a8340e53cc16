"""
Settings, from the environment (prefix `PURDAH_`) with defaults for a development checkout.

Built once by the CLI's callback or by `create_app` and passed down; never read from a
module global.
"""

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """
    Attributes:
        database_url: SQLAlchemy URL (`PURDAH_DATABASE_URL`); SQLite by default, PostgreSQL
            through psycopg 3 (`postgresql+psycopg://...`) in production.
        host, port: where `purdah serve` listens (`PURDAH_HOST`, `PURDAH_PORT`).
        policy_dir: folder of `<organisation>.yaml` policy files (`PURDAH_POLICY_DIR`).
        calendar_dir: folder of shipped election calendars, `*.ics` (`PURDAH_CALENDAR_DIR`).
        organisation: the organisation the CLI and the seed speak for (`PURDAH_ORGANISATION`).
        snapshot_max_age: seconds a snapshot may go unconfirmed by the database before
            decisions fail closed with 503 (`PURDAH_SNAPSHOT_MAX_AGE`).
        snapshot_poll_interval: seconds between checks of `data_version` for other
            replicas' writes (`PURDAH_SNAPSHOT_POLL_INTERVAL`).
        max_batch: the most checks in one `POST /v1/decisions`.
        environment: `development` or `production`.
        public_url: the address people and calendar apps reach the service at (for feed
            URLs, `purdah feeds create`, and the buttons of Teams webhook cards); default: the
            request's own address, or `http://<host>:<port>` on the command line (a Teams
            card, sent with no request, then has no button).
        feed_keep_cancelled_days: how long a withdrawn window stays in the feed, cancelled.
        import_max_bytes: the largest ICS upload or download (413 beyond it).
        import_max_events: the most events one imported calendar may hold.
        import_url_timeout: seconds to wait for a calendar URL.
        import_allow_private_urls: let the server fetch calendars from loopback and private
            addresses (tests; a council's intranet). Off by default: a URL must not make the
            server reach inside its own network.
        webhook_allow_private_urls: let webhooks go to loopback and private addresses
            (`PURDAH_WEBHOOK_ALLOW_PRIVATE_URLS`; tests, a receiver on the council's own
            network). Off by default, as for calendar URLs.
        webhook_delivery: run the webhook sender in the server (`PURDAH_WEBHOOK_DELIVERY`):
            every `webhook_delivery_interval` seconds it sends the change events due
            (`app.services.webhook_delivery`); each replica runs one, and a delivery is sent
            by one replica only.
        webhook_timeout: seconds one webhook attempt may take (`PURDAH_WEBHOOK_TIMEOUT`).
        time_events: run the time-event scheduler in the server (`PURDAH_TIME_EVENTS`): it
            announces windows upcoming, started and ended and policy reviews due at their
            instants (`app.services.time_events`); every replica runs one, and each
            announcement is sent once.
        time_events_interval: the longest the scheduler sleeps between two rounds, in
            seconds; it wakes earlier for an announcement due sooner.
        webhook_retry_hours: how long to keep retrying a webhook that fails before giving
            up (`PURDAH_WEBHOOK_RETRY_HOURS`).
        smtp_url: the SMTP server email notifications go through (`PURDAH_SMTP_URL`; unset:
            no email, and an email subscription is refused). The scheme says how it is
            protected: `smtp://user:password@host:587` (STARTTLS required),
            `smtps://user:password@host:465` (implicit TLS), or `smtp+insecure://host:25` (no
            encryption, no password: a relay on the same machine, tests). Percent-encode an
            `@` in the user name (`jo%40redruth.gov.uk`). A secret: never logged nor shown,
            not even in a refusal of the setting (`app.services.mail`).
        smtp_from: the sender's address of every notification (`PURDAH_SMTP_FROM`),
            required with `smtp_url`; a bare address, on a domain the server may send for.
        smtp_timeout: seconds one SMTP connection may wait for the server (`PURDAH_SMTP_TIMEOUT`).
        smtp_ca_file: a PEM file of the authorities that may sign the SMTP server's
            certificate, instead of the system's (`PURDAH_SMTP_CA_FILE`; a council's own CA).
        schedule_horizon_years: how far ahead a recurring schedule creates elections.
        auth_failure_limit, auth_failure_window: failed authentications one peer address,
            or one key id, may have within the window (seconds) before further failures get
            429 with Retry-After; a valid key always authenticates (`app.api.throttle`).
        override_use_limit: decisions that rely on an override which one key may have
            recorded in the audit log in any minute (`PURDAH_OVERRIDE_USE_LIMIT`); beyond
            it, a check that would record another gets 429 with Retry-After. Each planned
            post (override, account, category, instant) is recorded once, and only for keys
            that publish (clerk, scheduler), so only new planned posts count.
        forwarded_allow_ips: the proxies whose `X-Forwarded-For` and `X-Forwarded-Proto`
            `purdah serve` believes (`PURDAH_FORWARDED_ALLOW_IPS`): comma-separated IP
            addresses or networks, or `*` (only when no client can reach the server but
            through the proxy). Empty by default: the client is the TCP peer, and nobody can
            choose the address their failed authentications are counted against.
        body_max_bytes: the largest request body of any operation but the calendar import
            (413 beyond it).
        key_use_interval: seconds between writes of the keys' last-used times.
        listen: on PostgreSQL, hear other replicas' writes through LISTEN/NOTIFY
            (`PURDAH_LISTEN`); the `data_version` poll runs either way.
        policy_check_interval: seconds between looks at the policy files for changes
            (`PURDAH_POLICY_CHECK_INTERVAL`): each look stats every organisation's file (0.5 s
            for 10,000 councils on a busy 2-core machine) and reads only the changed ones; a
            changed file is audited and takes effect without a restart
            (`app.store.policy_registry`). `purdah policy reload` does it at once.
        console_idle_minutes: a console session ends after this many minutes without a page
            (`PURDAH_CONSOLE_IDLE_MINUTES`); the person signs in again.
        console_session_hours: a console session ends this many hours after sign-in,
            however busy (`PURDAH_CONSOLE_SESSION_HOURS`).
        gc_freeze: after loading the snapshots at start, move every object then alive out of
            the cyclic garbage collector's reach (`gc.freeze()`, `PURDAH_GC_FREEZE`), so that a
            full collection does not walk them while a request waits. Measured with 10,000
            councils held (934,000 objects): a full collection took 1.3 s unfrozen, 0 ms
            frozen. Objects frozen are still freed when no longer referenced, but cyclic
            garbage among them is not: turn it off where many apps are made in one process
            (tests), or to debug memory.
    """

    # hide_input_in_errors: a refused setting is never echoed, as `smtp_url` (and a database
    # URL) may hold a password
    model_config = SettingsConfigDict(
        env_prefix="PURDAH_", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = "sqlite:///./var/purdah.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    policy_dir: Path = _ROOT / "policies"
    calendar_dir: Path = _ROOT / "calendars"
    organisation: str = "redruth"
    snapshot_max_age: float = Field(default=30.0, gt=0)
    snapshot_poll_interval: float = Field(default=0.5, gt=0, le=5)
    max_batch: int = Field(default=1000, ge=1, le=10_000)
    workers: int = Field(default=1, ge=1, le=16)
    access_log: bool = True
    environment: Literal["development", "production"] = "development"
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    feed_keep_cancelled_days: int = Field(default=30, ge=0, le=365)
    import_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    import_max_events: int = Field(default=10_000, ge=1)
    import_url_timeout: float = Field(default=10.0, gt=0, le=120)
    import_allow_private_urls: bool = False
    webhook_allow_private_urls: bool = False
    webhook_delivery: bool = True
    webhook_delivery_interval: float = Field(default=2.0, gt=0, le=600)
    webhook_timeout: float = Field(default=10.0, gt=0, le=60)
    webhook_retry_hours: float = Field(default=26.0, gt=0, le=24 * 14)
    smtp_url: SecretStr | None = None
    smtp_from: str | None = Field(default=None, max_length=254)
    smtp_timeout: float = Field(default=10.0, gt=0, le=120)
    smtp_ca_file: Path | None = None
    time_events: bool = True
    time_events_interval: float = Field(default=5.0, gt=0, le=600)
    schedule_horizon_years: int = Field(default=10, ge=1, le=50)
    listen: bool = True
    key_use_interval: float = Field(default=60.0, gt=0, le=3600)
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    auth_failure_limit: int = Field(default=30, ge=1)
    auth_failure_window: float = Field(default=60.0, gt=0)
    forwarded_allow_ips: str = ""
    override_use_limit: int = Field(default=120, ge=1, le=100_000)
    policy_check_interval: float = Field(default=10.0, gt=0, le=3600)
    gc_freeze: bool = True
    console_idle_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    console_session_hours: float = Field(default=12.0, gt=0, le=24 * 7)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        entries = [e.strip() for e in value.split(",") if e.strip()]
        for entry in entries:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                msg = f"PURDAH_FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network"
                raise ValueError(msg) from None
        return ",".join(entries)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        from app.services.mail import parse_smtp_url

        if value is None or not value.get_secret_value().strip():
            return None
        parse_smtp_url(value.get_secret_value())  # its ValueError never repeats the URL
        return value

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from(cls, value: str | None) -> str | None:
        from app.domain.errors import InvalidChange
        from app.domain.recipients import email_recipient

        if value is None or not value.strip():
            return None
        try:
            return email_recipient(f"mailto:{value.strip()}")
        except InvalidChange as exc:
            msg = f"PURDAH_SMTP_FROM: {exc.problem}"
            raise ValueError(msg) from None

    @model_validator(mode="after")
    def _smtp_needs_a_sender(self) -> "Settings":
        if self.smtp_url is not None and self.smtp_from is None:
            msg = "PURDAH_SMTP_URL is set: set PURDAH_SMTP_FROM, the notifications' sender, too"
            raise ValueError(msg)
        return self

    def policy_path(self, organisation: str | None = None) -> Path:
        """The policy file of an organisation (default: the configured one)."""
        return self.policy_dir / f"{organisation or self.organisation}.yaml"
