"""The error pages: the 500 page is static, bilingual and marks each language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.test import RequestFactory
from django.views.defaults import server_error

TEMPLATE = Path(__file__).resolve().parents[2] / "src" / "tasuki" / "templates" / "500.html"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


class LangText(HTMLParser):
    """Each visible text with the language of the element it is in."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang") or (self.stack[-1][1] if self.stack else None)
        self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        tags = [tag for tag, _ in self.stack]
        if data.strip() and "style" not in tags:
            self.texts.append((self.stack[-1][1] if self.stack else None, data.strip()))


def test_500_page_has_both_languages_each_marked_with_its_lang():
    """Rendered by Django's own handler, without the database (this test has none)."""
    response = server_error(RequestFactory().get("/ja/"))
    assert response.status_code == 500
    html = response.content.decode()
    parser = LangText()
    parser.feed(html)
    japanese = [text for lang, text in parser.texts if JAPANESE.search(text)]
    english = [text for lang, text in parser.texts if ENGLISH_WORD.search(text)]
    assert japanese and english
    for lang, text in parser.texts:
        if JAPANESE.search(text):
            assert lang == "ja", text
        if ENGLISH_WORD.search(text):
            assert lang == "en", text
    assert "Something went wrong" in html and "エラーが発生しました" in html
    assert "{#" not in html  # the template's comment stays a comment (one line)


def test_500_page_needs_nothing_that_could_fail_with_the_server():
    """No template tags or variables: no request context, database, static manifest or
    translation catalogue is needed to show it."""
    source = re.sub(r"\{#.*?#\}", "", TEMPLATE.read_text(), flags=re.S)
    assert "{%" not in source and "{{" not in source
    assert "src=" not in source and "<link" not in source  # nothing to fetch


def test_500_page_has_no_space_after_a_japanese_full_stop():
    text = " ".join(TEMPLATE.read_text().split())
    assert "。 " not in re.sub(r"。</p>", "", text)
