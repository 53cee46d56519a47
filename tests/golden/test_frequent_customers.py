"""Golden tests: how a frequent customer's messages read (SPEC.md §2.3), both ways, in 简体, 繁體 and English.

Praise of a return visit or of a counted contact is not a grumble; a count of past trips with nothing
left open is a grumble about the hassle, not ≥ 3 contacts on an unresolved issue; a hedged remark is a
latent grumble; a negative feeling word makes a question an explicit grumble. Each class has its
counterpart that must keep its stage. Sentences written for these tests (not from any phrase bank)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "又来麻烦你们了，上回那笔汇款你们办得特别利索，谢谢",
        "又來打擾了，上次幫我換的新卡很好用，謝謝你們",
        "Another trip to the branch this morning, and the cashier greeted me by name, lovely",
        "It's me again! Yesterday's chat fixed everything, thank you so much",
    ],
)
def test_praise_of_a_return_visit_is_not_a_grumble(chat_rank: Callable[[str], int], text: str) -> None:
    """又来 / "another trip" / "me again" with praise and no count: the models read 又/上次/"again" as
    grumbling (a satisfied heavy user's message)."""
    assert chat_rank(text) == 0


@pytest.mark.parametrize(
    "text",
    [
        "这个月第三次来柜台了，小王还记得我要办什么，好暖心",
        "今天第二次打來，不好意思，謝謝你們這麼有耐心",
        "Third visit this week, sorry! Your staff remembered my name, lovely as ever",
    ],
)
def test_a_count_praised_warmly_or_with_an_apology_is_not_a_grumble(
    chat_rank: Callable[[str], int], text: str
) -> None:
    """A counted contact without 每次/都 ("every time"), praised with a warm or personal word (记得我 /
    暖心 / "remembered my name") or with the customer's apology for coming again."""
    assert chat_rank(text) == 0


@pytest.mark.parametrize(
    "text",
    [
        "又来了，上回说的退款到现在都没到账",
        "Another visit today and the machine still eats my card",
        "第三次来了，你们可真是太贴心了",
        "上次那个柜员很热情，这次来的这个一问三不知",
        "第二次打电话了，不好意思，可是我的卡还是用不了",
        "Third call today, sorry, but my card is still blocked",
    ],
)
def test_a_return_or_a_count_with_a_problem_or_sarcasm_stays_a_grumble(
    chat_rank: Callable[[str], int], text: str
) -> None:
    assert chat_rank(text) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "换个手机号前前后后跑了三趟营业厅",
        "改個地址跑了四趟分行",
        "It took me four trips to the branch to get my name changed",
    ],
)
def test_a_count_of_past_trips_with_nothing_open_is_a_grumble_not_a_potential_complaint(
    chat_rank: Callable[[str], int], text: str
) -> None:
    """SPEC.md §2.3: ≥ 3 contacts on the same *unresolved* issue make a potential complaint; trips told
    of with nothing still open are a grumble about the hassle (the repeat-contact cue's floor)."""
    assert chat_rank(text) == 2


@pytest.mark.parametrize(
    "text",
    [
        "换个手机号跑了三趟营业厅，到现在还没办下来",
        "改個地址跑了四趟分行，每次都說系統有問題",
        "I've made four trips to the branch and my name is still wrong",
        "这是我第三次打电话问这件事了",
    ],
)
def test_a_count_of_contacts_on_an_open_issue_is_a_potential_complaint(
    chat_rank: Callable[[str], int], text: str
) -> None:
    assert chat_rank(text) >= 3


@pytest.mark.parametrize(
    "text",
    ["房间的热水有点不够热", "排隊的時間稍微長了一點", "The checkout queue was a bit long this morning"],
)
def test_a_hedged_remark_is_at_most_a_latent_grumble(chat_rank: Callable[[str], int], text: str) -> None:
    assert chat_rank(text) <= 1


@pytest.mark.parametrize(
    "text",
    [
        "电梯有点慢，前台态度也很差",
        "有点失望，房间和照片不太一样",
        "The room was a bit small and frankly the staff were rude",
    ],
)
def test_a_hedged_remark_with_a_negative_word_stays_explicit(
    chat_rank: Callable[[str], int], text: str
) -> None:
    assert chat_rank(text) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "为什么我的账户又被锁了，真的很烦",
        "為什麼我的信用卡又被停用了，好煩",
        "Why was my account locked again? This is so annoying",
    ],
)
def test_a_question_with_a_negative_feeling_is_an_explicit_grumble(
    chat_rank: Callable[[str], int], text: str
) -> None:
    assert chat_rank(text) >= 2


@pytest.mark.parametrize("text", ["请问为什么我的账户被锁了", "想問一下我的帳戶為什麼被鎖"])
def test_the_same_question_without_a_feeling_is_not_explicit(
    chat_rank: Callable[[str], int], text: str
) -> None:
    assert chat_rank(text) <= 1
