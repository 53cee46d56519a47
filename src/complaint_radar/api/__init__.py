"""REST API (FastAPI): routers per resource, auth by API key and role; thin over services."""

from complaint_radar.api.app import create_app

__all__ = ["create_app"]
