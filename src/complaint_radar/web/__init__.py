"""The web dashboard: server-rendered pages over the services, mounted on the API's app."""

from complaint_radar.web.app import create_app, install_web

__all__ = ["create_app", "install_web"]
