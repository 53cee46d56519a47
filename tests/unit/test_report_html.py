"""The HTML report: parses, one SVG per chart, nothing external, no script, data escaped, empty sections."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from complaint_radar.reports import render_html
from complaint_radar.reports.svg import nice_ticks, segments, text_width, truncate
from report_samples import empty_report, sample_report


class Page(HTMLParser):
    """Every start tag with its attributes, the title of each <svg>, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.svg_titles: list[str] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._stack[-2:] == ["svg", "title"]:
            self.svg_titles.append(data)
        self.text.append(data)

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return sample_report()


@pytest.fixture(scope="module")
def html(sample: dict[str, Any]) -> str:
    return render_html(sample)


def test_page_is_chinese_utf8_with_cjk_fonts(html: str) -> None:
    page = parse(html)
    assert ("html", {"lang": "zh-CN"}) in page.tags
    assert ("meta", {"charset": "utf-8"}) in page.tags
    assert '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif' in html
    assert "帕累托分析" in html and "Pareto analysis" in html


def test_every_chart_is_an_inline_svg(html: str, sample: dict[str, Any]) -> None:
    page = parse(html)
    titles = page.svg_titles
    assert sum("Complaints and 7-day moving average" in title for title in titles) == 1
    assert sum("Complaints per 1,000" in title for title in titles) == 1
    assert sum("Pareto chart" in title for title in titles) == 1
    assert sum("Gap by dimension" in title for title in titles) == 1
    assert sum(title == "CSAT trend" for title in titles) == 1
    assert not any(title == "NPS trend" for title in titles), "the sample has no NPS responses"
    action_titles = [title for title in titles if title.startswith("#")]
    assert len(action_titles) == len(sample["actions"])
    assert page.count("svg") == len(titles) == 5 + len(sample["actions"])


def test_nothing_is_fetched_and_nothing_runs(html: str) -> None:
    page = parse(html)
    assert page.count("script") == 0
    assert page.count("link") == 0 and page.count("img") == 0 and page.count("iframe") == 0
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert (attrs.get("href") or "#").startswith("#"), (tag, attrs)
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    # The only URL in the page is the SVG namespace name, which a browser never fetches.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}


def test_text_from_the_data_is_escaped(html: str) -> None:
    page = parse(html)
    text = "".join(page.text)
    assert "<script>alert('xss')</script>" in text, "the message is shown as text"
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html
    assert page.count("b") == 0, "<b> inside a message stays text"
    assert "排班优化 &lt;高峰加人&gt;" in html and "Li Na &amp; ops" in html


def test_codes_without_labels_take_the_taxonomy_labels(html: str) -> None:
    page = parse(html)
    text = "".join(page.text)
    assert "承诺未兑现" in text, "pareto row unfulfilled_promise has no label_zh in the sample"
    assert "保证性" in text, "SERVQUAL dimension assurance has no label_zh in the sample"
    assert "原因：产品质量 × 产品：X手机" in text
    assert "改善 / improved" in text and "两比例 z 检验 / two-proportion z-test" in text


def test_figures_read_as_in_the_report(html: str, sample: dict[str, Any]) -> None:
    text = "".join(parse(html).text)
    assert f"{sample['volumes']['totals']['complaints']:,}" in text
    assert "1.0e-06" in text, "the emerging issue's p-value"
    assert "[-2.60, -0.90] (95.0%)" in text, "the action's confidence interval"
    assert "33.4%" in text, "the first Pareto row's share"
    assert "-1.50" in text, "the responsiveness gap"


def test_null_figures_read_as_not_computable(html: str) -> None:
    assert 'title="无法计算 / not computable">—</td>' in html
    text = "".join(parse(html).text)
    assert "本期无数据 / No data for this period" in text, (
        "NPS trend and post-resolution CSAT by cause are empty"
    )


def test_a_report_with_empty_sections_still_renders() -> None:
    html = render_html(empty_report())
    page = parse(html)
    assert page.count("svg") == 0
    text = "".join(page.text)
    for heading in (
        "投诉量与趋势",
        "帕累托分析",
        "新发问题",
        "改进措施跟踪",
        "满意度",
        "SERVQUAL",
        "运营指标",
    ):
        assert heading in text
    assert text.count("本期无数据") >= 7


def test_missing_keys_and_new_keys_are_tolerated() -> None:
    assert "<svg" not in render_html({})
    html = render_html(empty_report() | {"outreach": [{"customer": "<c1>", "reason": "风险上升"}]})
    assert 'id="outreach"' in html and "&lt;c1&gt;" in html and "风险上升" in html


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    assert nice_ticks(0, 154) == [0, 50, 100, 150, 200]
    assert nice_ticks(-1.9, 0.4) == [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5]
    assert nice_ticks(5, 5)[0] <= 5 <= nice_ticks(5, 5)[-1]


def test_a_null_value_breaks_a_line_instead_of_dropping_to_zero() -> None:
    assert segments([(0, 1), (1, 2), None, (3, 4)]) == [[(0, 1), (1, 2)], [(3, 4)]]
    assert segments([None, None]) == []


def test_labels_are_cut_to_fit_counting_cjk_wide() -> None:
    assert text_width("投诉", 10) == 20 and text_width("ab", 10) < 12
    assert truncate("等待响应时间过长的问题", 10, 50).endswith("…")
    assert text_width(truncate("等待响应时间过长的问题", 10, 50), 10) <= 50
