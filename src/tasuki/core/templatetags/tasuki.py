"""Template helpers shared by every app."""

from django import template

from tasuki.core.timefmt import format_jst

register = template.Library()


@register.filter
def jst(value, arg: str = ""):
    """Render a datetime in Japan time with the zone named; ``|jst:"date"`` drops the time."""
    if not value:
        return ""
    return format_jst(value, with_time=arg != "date")


@register.simple_tag
def translate_url(path: str, language: str) -> str:
    """The same page in another language (the /ja/ or /en/ prefix swapped)."""
    from django.urls import translate_url as _translate

    return _translate(path, language)
