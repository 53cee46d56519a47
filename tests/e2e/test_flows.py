"""What people do in the dashboard, in Chromium: drill down from a chart, work a case through its
lifecycle with the forms, watch the live radar, and what roles and hostile text cannot do."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import httpx
from dashboard import Dashboard
from playwright.sync_api import Page, expect

from complaint_radar.types import Role
from conftest import Watched

THREAT = "三天了还没人回复,再不处理我就去消协投诉!"


def ingest(dashboard: Dashboard, text: str, customer: str | None = None) -> str:
    """Store one customer message through the API now; its id."""
    message_id = f"e2e-{uuid.uuid4().hex[:10]}"
    row = {
        "message_id": message_id,
        "customer_id": customer or f"c-{message_id}",
        "occurred_at": datetime.now(UTC).isoformat(),
        "channel": "chat",
        "text": text,
    }
    response = httpx.post(
        f"{dashboard.url}/v1/messages",
        json={"items": [row]},
        headers={"X-API-Key": dashboard.keys[Role.ADMIN]},
        timeout=60,
    )
    assert response.status_code == 200 and response.json()["new"] == 1, response.text
    return message_id


def click_chart_point(page: Page, chart_id: str, index: int, *, bar: bool = False) -> None:
    """Click data point `index` of the chart's first series, where ECharts drew it (a bar halfway up:
    its top edge is a border a click can miss by a pixel)."""
    x, y = page.evaluate(
        """([id, i, share]) => {
            const chart = echarts.getInstanceByDom(document.getElementById(id));
            const option = chart.getOption();
            return chart.convertToPixel({seriesIndex: 0}, [i, option.series[0].data[i].value * share]);
        }""",
        [chart_id, index, 0.5 if bar else 1.0],
    )
    box = page.locator(f"#{chart_id}").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_a_risk_curve_point_drills_down_to_that_days_messages(open_as: Callable[..., Watched]) -> None:
    watched = open_as(Role.SUPERVISOR, "/radar")
    customer = watched.page.locator(".feed-item a[href^='/customers/']").first.inner_text()
    page = open_as(Role.SUPERVISOR, f"/customers/{customer}").page
    page.wait_for_function("() => echarts.getInstanceByDom(document.getElementById('risk-curve'))")
    points = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('risk-curve')).getOption().series[0].data"
    )
    last = len(points) - 1
    click_chart_point(page, "risk-curve", last)
    page.wait_for_url("**/messages?**")
    query = parse_qs(urlparse(page.url).query)
    assert query["customer_id"] == [customer] and query["from"] == query["to"]
    assert points[last]["href"] == page.url.removeprefix(page.url.split("/messages")[0])
    rows = page.locator("tr.msg-row")
    expect(rows.first).to_be_visible()
    day = query["from"][0]
    for row in rows.all():
        assert row.locator("td").nth(1).inner_text() == customer
        assert row.locator("td").first.inner_text().startswith(day)


def test_an_agent_takes_a_case_through_its_lifecycle_with_the_forms(
    open_as: Callable[..., Watched], dashboard: Dashboard
) -> None:
    customer = f"c-life-{uuid.uuid4().hex[:6]}"
    ingest(dashboard, THREAT, customer)
    watched = open_as(Role.FRONTLINE_AGENT, f"/customers/{customer}")
    page = watched.page
    page.locator("a[href^='/cases/CR-']").first.click()
    page.wait_for_load_state()

    def act(button: str, fill: Callable[[], None] | None = None) -> None:
        form = page.locator("form", has=page.get_by_role("button", name=button, exact=True))
        if fill:
            fill()
        form.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state()
        expect(page.locator(".alert-ok")).to_be_visible()

    act("我来处理")
    act("受理")
    act("首次回复", lambda: page.fill("#plan", "今天18点前核实并回电"))
    act("解决", lambda: (page.select_option("#code", "resolved_remedy"), page.fill("#notes", "已退款")))
    expect(page.locator(".page-head .chip.state-resolved")).to_be_visible()

    def answer() -> None:
        page.check("input[name=resolved][value=yes]")
        page.fill("#csat", "5")

    act("记录回访", answer)
    expect(page.locator(".page-head .chip.state-closed")).to_be_visible()
    audit = page.locator(".audit > li").all_inner_texts()
    assert len(audit) >= 6 and any("ann" in item for item in audit)
    assert watched.problems == []


def test_the_live_radar_shows_a_new_high_risk_message_within_two_seconds(
    open_as: Callable[..., Watched], dashboard: Dashboard
) -> None:
    watched = open_as(Role.SUPERVISOR, "/radar")
    message_id = ingest(dashboard, f"{THREAT} 订单{uuid.uuid4().hex[:6]}")
    stored_at = time.monotonic()
    item = watched.page.locator(f".feed-item[data-message-id='{message_id}']")
    expect(item).to_be_visible(timeout=2000)
    assert time.monotonic() - stored_at < 2.0
    assert item.locator("mark.ev-cue").count() >= 1  # the evidence is highlighted
    assert watched.page.locator(".feed-item").first.get_attribute("data-message-id") == message_id


def test_an_agent_cannot_open_admin_or_analysis_pages(
    open_as: Callable[..., Watched], dashboard: Dashboard
) -> None:
    watched = open_as(Role.FRONTLINE_AGENT, "/cases")
    links = watched.page.locator(".mainnav a").all_inner_texts()
    assert "管理" not in links and "总览" not in links and "问题与改进" not in links and "工单" in links
    for path in ("/admin", "/", "/issues", "/satisfaction"):
        response = watched.page.goto(dashboard.url + path)
        assert response is not None and response.status == 403, path
        expect(watched.page.locator("h1")).to_have_text("无权访问")


def test_an_analyst_sees_phone_numbers_masked(open_as: Callable[..., Watched], dashboard: Dashboard) -> None:
    customer = f"c-pii-{uuid.uuid4().hex[:6]}"
    ingest(dashboard, "退款还没到账,请回电13987654321", customer)
    analyst = open_as(Role.QUALITY_ANALYST, f"/messages?customer_id={customer}").page
    assert "139****4321" in analyst.locator("main").inner_text()
    assert "13987654321" not in analyst.content()
    supervisor = open_as(Role.SUPERVISOR, f"/messages?customer_id={customer}").page
    assert "13987654321" in supervisor.locator("main").inner_text()


def test_a_message_with_a_script_is_shown_as_text_and_never_runs(
    open_as: Callable[..., Watched], dashboard: Dashboard
) -> None:
    customer = f"c-xss-{uuid.uuid4().hex[:6]}"
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">投诉!'
    ingest(dashboard, hostile, customer)
    for path in (f"/messages?customer_id={customer}", f"/customers/{customer}", "/radar"):
        watched = open_as(Role.SUPERVISOR, path)
        page = watched.page
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("main script, main img[src=x]").count() == 0
        if path != "/radar":
            assert "<script>window.__pwned = 1</script>" in page.locator("main").inner_text()
        assert watched.problems == []


def test_a_pareto_bar_drills_down_to_exactly_the_messages_it_counts(open_as: Callable[..., Watched]) -> None:
    page = open_as(Role.MANAGER, "/").page
    page.wait_for_function("() => echarts.getInstanceByDom(document.getElementById('pareto-chart'))")
    bars = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('pareto-chart')).getOption().series[0].data"
    )
    smallest = min(range(len(bars)), key=lambda i: bars[i]["value"])
    click_chart_point(page, "pareto-chart", smallest, bar=True)
    page.wait_for_url("**/messages?**")
    query = parse_qs(urlparse(page.url).query)
    assert len(query["cause"]) == 1 and set(query["stage"]) == {
        "latent_grumble",
        "explicit_grumble",
        "potential_complaint",
        "formal_complaint",
    }
    listed = 0
    for _ in range(40):
        listed += page.locator("tr.msg-row").count()
        following = page.locator("nav.pager a", has_text="下一页")
        if following.count() == 0:
            break
        following.click()
        page.wait_for_load_state()
    assert listed == bars[smallest]["value"]


def test_an_analyst_works_an_issue_with_the_editors(open_as: Callable[..., Watched]) -> None:
    watched = open_as(Role.QUALITY_ANALYST, "/issues")
    page = watched.page
    issue = page.locator("section.issue").first
    issue.locator("summary", has_text="添加鱼骨图").click()
    issue.locator("input[name=problem]").first.fill("星河X1 到货故障集中")
    issue.locator("textarea[name='fishbone.material']").fill("同一批次排线松动")
    issue.locator("textarea[name='fishbone.method']").fill("出库前未开机检测\n换货要求先寄回")
    issue.get_by_role("button", name="保存鱼骨图").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-ok")).to_have_text("鱼骨图已保存。")
    issue = page.locator("section.issue").first
    expect(issue.locator(".rootcause").last).to_contain_text("出库前未开机检测")
    issue.locator("summary", has_text="添加 5 个为什么").click()
    form = issue.locator("form[action$='/five-whys']")
    form.locator("input[name=problem]").fill("屏幕黑屏")
    for i, answer in enumerate(["排线松动", "装配未压紧", "治具磨损", "保养周期过长"], start=1):
        form.locator(f"input[name=why{i}]").fill(answer)
    form.locator("input[name=root_cause]").fill("治具保养周期过长")
    form.locator("input[name=verifier]").fill("quinn")
    form.get_by_role("button", name="保存 5 个为什么").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-ok")).to_have_text("5 个为什么已保存。")
    issue = page.locator("section.issue").first
    issue.locator("select[name=status]").select_option("investigating")
    issue.get_by_role("button", name="保存").first.click()
    page.wait_for_load_state()
    expect(page.locator("section.issue").first.locator(".card-head .chip")).to_have_text("调查中")
    assert watched.problems == []
