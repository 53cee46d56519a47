"""One module per kind of page; each has a `router` whose views check the caller through `web.auth.page`."""

from complaint_radar.web.views import admin, assess, cases, customers, login, messages, radar

ROUTERS = [module.router for module in (login, messages, radar, customers, cases, assess, admin)]
