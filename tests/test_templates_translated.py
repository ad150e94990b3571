"""The interface's own words come from the zh_Hans catalogue, not from the templates (issue 13, point 10).

Every template of the project is scanned for Chinese characters outside {% translate %} tags and
{% blocktranslate %} blocks (template comments aside): a Chinese heading, button or message written straight
into a template would bypass gettext. Texts that are policy data (state labels, section titles, the notice's
wording) reach the templates as variables and are not in the files. Chinese punctuation between translated
pieces (：、（）) is layout, not words, and is left alone. The catalogue itself must be complete: no entry
untranslated or fuzzy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PO = REPO_ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# CJK ideographs only (basic block, extension A, compatibility ideographs): punctuation is not a word.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
NOT_SHOWN = (
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}"),  # one line: Django shows a {# … #} that spans lines as text
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"\{%\s*trans(?:late)?\s.*?%\}", re.S),
)
# Chinese that is compared, not shown: (template, the exact text around it).
ALLOWED = {
    ("workflow/templates/workflow/publicity_detail.html", 'publicity.objections != "无"'),
    ("workflow/templates/workflow/detail.html", 'p.objections != "无"'),
}


def _templates() -> list[Path]:
    return sorted(
        p
        for p in REPO_ROOT.rglob("*.html")
        if not {".venv", "node_modules", "var", "test-artifacts", "bench-out"} & set(p.relative_to(REPO_ROOT).parts)
    )


def _untranslated(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(REPO_ROOT).as_posix()
    for allowed_path, snippet in ALLOWED:
        if allowed_path == rel:
            text = text.replace(snippet, "")
    for pattern in NOT_SHOWN:
        text = pattern.sub("", text)
    found = []
    for line in text.splitlines():
        if CJK.search(line):
            found.append(f"{rel}: {line.strip()[:120]}")
    return found


def test_templates_are_found() -> None:
    rels = {p.relative_to(REPO_ROOT).as_posix() for p in _templates()}
    assert {
        "templates/base.html",
        "committee/templates/committee/vote.html",
        "dossiers/templates/dossiers/detail.html",
    } <= rels


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_no_chinese_outside_translate_tags(path: Path) -> None:
    assert _untranslated(path) == []


def test_the_scan_sees_chinese_outside_translate_tags(tmp_path: Path) -> None:
    # The scanner itself: Chinese in text, attributes and filter literals is found; in tags and comments it is not.
    sample = tmp_path / "sample.html"
    sample.write_text(
        '{# 注释 #}{% translate "Save" %}<p title="保存">{% blocktranslate %}{{ n }} x{% endblocktranslate %}</p>\n'
        '<b>已保存</b>\n{{ value|default:"无" }}\n{% comment %}说明{% endcomment %}：、（）\n',
        encoding="utf-8",
    )
    text = sample.read_text(encoding="utf-8")
    for pattern in NOT_SHOWN:
        text = pattern.sub("", text)
    assert CJK.findall(text) == ["保存", "已保存", "无"]


def test_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    text = PO.read_text(encoding="utf-8")
    assert [flags for flags in re.findall(r"^#,.*$", text, re.M) if "fuzzy" in flags] == []
    entries = [e for e in text.split("\n\n") if "msgid " in e and not e.lstrip().startswith("#~")]
    empty = [
        e
        for e in entries[1:]  # the header's msgid is empty by design
        if re.search(r'^msgstr(?:\[\d+\])? ""\n(?!")', e + "\n", re.M)
    ]
    assert empty == []


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_comments_close_on_their_own_line(template: Path) -> None:
    """Django's `{# … #}` ends on the line it starts on: one spread over lines is drawn on the page as text."""
    for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
        assert "{#" not in line or "#}" in line[line.index("{#") :], f"{template.name}:{number}: use {{% comment %}}"
