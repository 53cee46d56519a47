"""Which pages and actions a caller may use: the roles and case rules of `services.access.permissions`,
asked once here for every view, every navigation link and every case form."""

from __future__ import annotations

from dataclasses import dataclass

from complaint_radar.cases import Case, CaseState
from complaint_radar.services.access import Permission, Principal, case_scope, in_scope
from complaint_radar.types import Role

P = Permission


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    path: str
    permission: Permission
    title: str
    """Catalogue key of the page's name in navigation."""


PAGES = (
    Page("overview", "/", P.READ_ANALYSIS, "nav.overview"),
    Page("radar", "/radar", P.READ_MESSAGES, "nav.radar"),
    Page("cases", "/cases", P.READ_CASES, "nav.cases"),
    Page("messages", "/messages", P.READ_MESSAGES, "nav.messages"),
    Page("issues", "/issues", P.READ_ANALYSIS, "nav.issues"),
    Page("satisfaction", "/satisfaction", P.READ_ANALYSIS, "nav.satisfaction"),
    Page("assess", "/assess", P.ASSESS, "nav.assess"),
    Page("admin", "/admin", P.ADMINISTER, "nav.admin"),
)
PAGE_BY_NAME = {page.name: page for page in PAGES}
PERMISSION_OF: dict[str, Permission | None] = {
    **{page.name: page.permission for page in PAGES},
    "customer": P.READ_CUSTOMERS,
    "case_work": P.WORK_CASES,
    "issue_work": P.WORK_ISSUES,
    "action_work": P.MANAGE_ACTIONS,
    "signed_in": None,
}
"""What each page or form needs (None: only to be signed in); the customer page is reached from links,
issue and action changes are posted from /issues, case actions from the case page (each action's own
rule is then checked by the case desk)."""

_HOME_BY_ROLE = {
    Role.FRONTLINE_AGENT: "cases",
    Role.SUPERVISOR: "radar",
    Role.QUALITY_ANALYST: "overview",
    Role.MANAGER: "overview",
    Role.ADMIN: "overview",
}


def navigation(principal: Principal) -> list[Page]:
    """The pages this caller may open, in menu order."""
    return [page for page in PAGES if principal.can(page.permission)]


def home_path(principal: Principal) -> str:
    """Where the caller lands after signing in: the first page of their daily work."""
    return PAGE_BY_NAME[_HOME_BY_ROLE[principal.role]].path


# Case forms (SPEC.md §6): the desk enforces every rule again; this only decides which forms to show.

_MANUAL_TRANSITIONS = (
    CaseState.IN_PROGRESS,
    CaseState.AWAITING_CUSTOMER,
    CaseState.CLOSED,
    CaseState.CLOSED_UNCONFIRMED,
)


def sees_case(principal: Principal, case: Case) -> bool:
    return in_scope(case_scope(principal), case.owner, case.team)


def case_actions(principal: Principal, case: Case, next_states: tuple[CaseState, ...]) -> set[str]:
    """The lifecycle forms to offer on the case page: what the role, ownership and state allow now."""
    if not principal.can(P.WORK_CASES) or not sees_case(principal, case):
        return set()
    supervises = principal.can(P.SUPERVISE_CASES)
    if not supervises and case.owner != principal.username:
        return {"take"} if case.owner is None and case.is_open else set()
    actions: set[str] = {"take"} if case.owner is None and case.is_open else set()
    if supervises and case.is_open:
        actions.add("assign")
    if CaseState.ACKNOWLEDGED in next_states:
        actions.add("acknowledge")
    if case.first_response_at is None and case.state in (
        CaseState.ACKNOWLEDGED,
        CaseState.IN_PROGRESS,
        CaseState.AWAITING_CUSTOMER,
        CaseState.REOPENED,
    ):
        actions.add("first_response")
    if any(s in next_states for s in _MANUAL_TRANSITIONS):
        actions.add("transition")
    if CaseState.RESOLVED in next_states:
        actions.add("resolve")
    if case.state is CaseState.RESOLVED:
        actions |= {"follow_up", "follow_up_attempt"}
    if CaseState.REOPENED in next_states:
        actions.add("reopen")
    if CaseState.CANCELLED in next_states and supervises:
        actions.add("cancel")
    if case.is_open:
        actions |= {"escalate", "severity"}
    return actions


def manual_transitions(next_states: tuple[CaseState, ...]) -> list[CaseState]:
    """Next states reached through the plain transition form (the rest have forms of their own)."""
    return [s for s in next_states if s in _MANUAL_TRANSITIONS]
