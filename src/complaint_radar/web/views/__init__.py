"""One module per kind of page; each has a `router` whose views check the caller through `web.auth.page`."""

from complaint_radar.web.views import (
    admin,
    assess,
    cases,
    customers,
    issues,
    login,
    messages,
    overview,
    radar,
    satisfaction,
)

ROUTERS = [
    module.router
    for module in (login, overview, messages, radar, customers, cases, issues, satisfaction, assess, admin)
]
