"""What one running app holds: settings, the database, the clock, the rate limiter and the loaded models."""

from __future__ import annotations

from dataclasses import dataclass, field

from complaint_radar.cases import SlaConfig
from complaint_radar.services.access.key_cache import KeyCache
from complaint_radar.services.access.rate_limit import TokenBucketLimiter
from complaint_radar.services.alerts.alerting import Alerting
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.cases.desk import CaseDesk, CaseService
from complaint_radar.services.cases.sla_settings import effective_sla
from complaint_radar.services.customers.timelines import SignalCaches
from complaint_radar.services.intake.desk import IntakeDesk
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.services.runtime import Clock, Database, SessionFactory
from complaint_radar.settings import Settings

API_SOURCE = "api"
"""The `source` of ingested rows that do not name one (idempotency is per source and id)."""


@dataclass
class AppState:
    """Set up by `create_app` and its lifespan; routers reach it through `api.deps`."""

    settings: Settings
    clock: Clock
    limiter: TokenBucketLimiter = field(default_factory=TokenBucketLimiter)
    key_cache: KeyCache = field(default_factory=lambda: KeyCache(0.0))
    sessions: SessionFactory | None = None
    assessor: Assessor | None = None
    case_desk: CaseDesk | None = None
    intake_desk: IntakeDesk | None = None
    analysis_desk: AnalysisDesk | None = None
    owned_database: Database | None = None
    """A database the app opened itself (and closes at shutdown); None when the caller passed one."""
    alerting: Alerting | None = None
    """The rules file, the alert engine ingestion and the SLA sweep call, and the delivery loop."""
    signal_caches: SignalCaches | None = None
    """Decoded stored messages and events, shared by ingestion and case work, at most
    `settings.signal_cache_rows` of each: the one per-process structure that grows with the store."""

    def __post_init__(self) -> None:
        if self.signal_caches is None:
            self.signal_caches = SignalCaches.bounded(self.settings.signal_cache_rows)

    def wire(self) -> None:
        """Build the services that need the database (and the models), once they are ready."""
        if self.sessions is None:
            return
        engine = self.alerting.engine if self.alerting is not None else None
        sla = self.case_desk.service.sla if self.case_desk else effective_sla(self.sessions, self.settings)
        if self.case_desk is None:
            service = CaseService(
                self.sessions,
                settings=self.settings,
                clock=self.clock,
                sla=sla,
                caches=self.signal_caches,
                on_sla=engine.on_sla if engine is not None else None,
            )
            self.case_desk = CaseDesk(service)
        if self.analysis_desk is None:
            self.analysis_desk = AnalysisDesk(
                self.sessions, settings=self.settings, clock=self.clock, alert_engine=engine
            )
        if self.intake_desk is None and self.assessor is not None:
            ingestor = Ingestor(
                self.sessions,
                self.assessor,
                settings=self.settings,
                clock=self.clock,
                source=API_SOURCE,
                observer=engine,
                sla=sla,
                caches=self.signal_caches,
            )
            self.intake_desk = IntakeDesk(ingestor, self.sessions)

    def use_sla(self, sla: SlaConfig) -> None:
        """Case work and ingestion follow this SLA policy from now on (an administrator changed it)."""
        if self.case_desk is not None:
            self.case_desk.service.sla = sla
        if self.intake_desk is not None:
            self.intake_desk.ingestor.sla = sla

    def unwire(self) -> None:
        self.case_desk = self.intake_desk = self.analysis_desk = None
