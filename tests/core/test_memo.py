"""core.memo.HtmlMemo: rendered once per key, bounded by characters, least recently used dropped first."""

from __future__ import annotations

import threading

from django.utils.safestring import SafeString

from core.memo import HtmlMemo


def test_drawn_renders_a_key_once_and_returns_safe_html():
    memo = HtmlMemo(max_chars=1_000)
    calls: list[str] = []

    def render(text: str):
        def draw() -> str:
            calls.append(text)
            return f"<p>{text}</p>"

        return draw

    first = memo.drawn("a", render("a"))
    again = memo.drawn("a", render("changed"))
    other = memo.drawn("b", render("b"))

    assert first == again == "<p>a</p>"
    assert isinstance(first, SafeString)
    assert other == "<p>b</p>"
    assert calls == ["a", "b"]


def test_the_least_recently_used_entry_goes_first_when_over_the_bound():
    memo = HtmlMemo(max_chars=10)
    memo.put("a", SafeString("aaaa"))
    memo.put("b", SafeString("bbbb"))
    assert memo.get("a") == "aaaa"  # a is now the most recently used
    memo.put("c", SafeString("cccc"))  # 12 characters: the least recently used (b) goes

    assert memo.get("b") is None
    assert memo.get("a") == "aaaa"
    assert memo.get("c") == "cccc"


def test_putting_a_kept_key_again_neither_replaces_nor_counts_it_twice():
    memo = HtmlMemo(max_chars=8)
    memo.put("a", SafeString("aaaa"))
    memo.put("a", SafeString("zzzz"))
    memo.put("b", SafeString("bbbb"))  # 8 characters in all: nothing dropped

    assert memo.get("a") == "aaaa"
    assert memo.get("b") == "bbbb"


def test_a_body_larger_than_the_bound_is_not_kept():
    memo = HtmlMemo(max_chars=4)
    memo.put("small", SafeString("ab"))
    assert memo.drawn("big", lambda: "abcdefgh") == "abcdefgh"

    assert memo.get("big") is None
    assert memo.get("small") is None  # dropped before the big one itself


def test_clear_forgets_everything_and_its_size():
    memo = HtmlMemo(max_chars=8)
    memo.put("a", SafeString("aaaaaaaa"))
    memo.clear()
    memo.put("b", SafeString("bbbbbbbb"))

    assert memo.get("a") is None
    assert memo.get("b") == "bbbbbbbb"


def test_threads_drawing_the_same_keys_share_one_consistent_memo():
    memo = HtmlMemo(max_chars=50 * 10)
    keys = [f"k{i}" for i in range(100)]  # twice what fits: entries are dropped while threads read
    errors: list[str] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        for _ in range(20):
            for key in keys:
                body = memo.drawn(key, lambda key=key: f"<i>{key:>6}</i>")
                if body != f"<i>{key:>6}</i>":
                    errors.append(f"{key}: {body}")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert memo._chars == sum(len(b) for b in memo._bodies.values()) <= memo.max_chars
