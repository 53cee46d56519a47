"""A process's alerting: its rules file, the engine every ingestion and SLA check calls, its delivery loop."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from complaint_radar.alerts import AlertConfig
from complaint_radar.services.alerts.delivery import DeliveryLoop, DeliveryService
from complaint_radar.services.alerts.engine import AlertEngine
from complaint_radar.services.alerts.rulebook import SyncReport, load_rules_file, sync_declared_rules
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import session_scope

log = logging.getLogger(__name__)


class Alerting:
    """Built from the settings (`alert_rules`, or a path given on the command line); `start` syncs the
    file's rules into the store and starts delivering to the file's destinations; `stop` ends that."""

    def __init__(self, settings: Settings, rules_file: Path | None = None) -> None:
        self.settings = settings
        self.rules_file = rules_file or settings.alert_rules
        self.config = load_rules_file(self.rules_file) if self.rules_file else AlertConfig()
        self.engine = AlertEngine()
        self.delivery: DeliveryLoop | None = None

    @property
    def destinations(self) -> frozenset[str]:
        return self.config.destination_names

    def start(self, sessions: SessionFactory, *, deliver: bool = True) -> SyncReport | None:
        """Sync the rules file's rules into the store; with `deliver`, start the delivery loop."""
        report = None
        if self.rules_file is not None:
            report = self._sync(sessions)
            log.info(
                "rules file %s: %d rules created, %d updated, %d disabled",
                self.rules_file,
                report.created,
                report.updated,
                report.disabled,
            )
        if deliver and self.config.destinations and self.delivery is None:
            service = DeliveryService(sessions, self.config, self.settings)
            self.delivery = DeliveryLoop(
                service,
                poll_s=self.settings.alert_delivery_poll_s,
                workers=self.settings.alert_delivery_workers,
            ).start()
            self.engine.on_committed = self.delivery.wake
        return report

    def stop(self) -> None:
        if self.delivery is not None:
            self.engine.on_committed = None
            self.delivery.stop()
            self.delivery = None

    def _sync(self, sessions: SessionFactory) -> SyncReport:
        try:
            with session_scope(sessions, write=True) as session:
                return sync_declared_rules(session, self.config)
        except IntegrityError:  # another process synced the same file at the same moment
            with session_scope(sessions, write=True) as session:
                return sync_declared_rules(session, self.config)
