"""Golden tests: praise of every person met after a count of visits, and plain questions (SPEC.md §2.3),
both ways, in 简体, 繁體 (Taiwan / Hong Kong) and English.

A frequent customer who counts their visits and praises everyone they met (每位工作人员都很和气 / 個個都
好有耐性 / "everyone has been so courteous") praises each contact, as 每次都 does; a visit counted in
Cantonese (嚟咗三次) is a return. A plain question about a price, an opening day or how long a warranty
lasts (保修多久 / "is there a charge", "how long does the guarantee last") names no problem. Each class has
its counterpart that must stay a grumble. Sentences written for these tests (not from any phrase bank)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "这个月跑了三趟营业厅，每位工作人员都特别和气",
        "這禮拜來了兩次，每個櫃員都很有禮貌",
        "嚟咗三次,啲姐姐個個都好有耐性",
        "今個月嚟咗四次，個個職員都好好人",
        "Fourth visit this month and everyone at the desk has been so courteous",
    ],
)
def test_a_count_with_everyone_praised_is_not_a_grumble(chat_rank: Callable[[str], int], text: str) -> None:
    """每位/每个…都, 个个都, "everyone" with a word of praise: each contact praised (a satisfied heavy
    user's message; the learned models read the count as grumbling)."""
    assert chat_rank(text) == 0


@pytest.mark.parametrize(
    "text",
    [
        "这个月跑了三趟营业厅，每个人都推给别人，烦死了",
        "這禮拜來了兩次，每個櫃員都說不知道，問題還是沒解決",
        "嚟咗三次,個個都話唔關佢事,真係好嬲",
        "嚟咗三次,啲姐姐個個都唔耐煩",
        "Fourth visit this month and everyone at the desk still can't fix my card",
    ],
)
def test_a_count_with_everyone_blamed_stays_a_grumble(chat_rank: Callable[[str], int], text: str) -> None:
    assert chat_rank(text) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "Is there a charge for a replacement card?",
        "How long does the guarantee on the kettle last?",
        "Do you deliver on Sundays?",
        "请问这台洗衣机保修多久？",
        "請問這台除濕機保固多久?",
    ],
)
def test_a_plain_question_is_not_a_grumble(chat_rank: Callable[[str], int], text: str) -> None:
    """A question opening as one (is there / how long does / do you deliver; 请问), about a price, a
    service or how long a warranty lasts (保修多久 is no wait), with nothing negative."""
    assert chat_rank(text) == 0


@pytest.mark.parametrize(
    "text",
    [
        "Is there a reason my card was charged twice?",
        "How long is my broken heater going to take to fix?",
        "Is there a problem with your app again?",
        "还要等多久才能修好？",
        "退款要多久？一个星期了还没到",
    ],
)
def test_a_question_about_a_problem_stays_a_grumble(chat_rank: Callable[[str], int], text: str) -> None:
    assert chat_rank(text) >= 1
