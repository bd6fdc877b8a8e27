"""The editor's form for a story: every text in Japanese and English, the place in
the relay, the byline and the chosen photos.

The form only collects what the editor typed; the rules (lengths, a km mark
holding one story, the "resonated with" link) are the services' own
(:func:`tasuki.relay.services.save_draft`), whose errors the view puts back next
to these fields. The form never holds personal data: the byline is the pen
name the entrant chose for publication.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import KM_MARKS, km_label
from tasuki.entries.models import Role
from tasuki.relay.models import TEXT_FIELDS, TEXT_LIMITS, Story

LANGS = ("ja", "en")
#: Texts short enough for one line; the others get a text area sized to their limit.
ONE_LINE = frozenset({"title", "quote", "tagline"})
PHOTO_PARTS = ("use", "order", "alt_ja", "alt_en", "focal_x", "focal_y")


def text_label(key: str) -> str:
    """The readable name of a story text, e.g. "Title (Japanese)"."""
    return capfirst(Story._meta.get_field(key).verbose_name)


def km_choice_label(label: str, holder: str | None) -> str:
    """How a km mark reads in the select, saying which story holds it."""
    finish = label == km_label(KM_MARKS[-1])
    if holder is None:
        return _("Finish (42.195 km)") if finish else _("Km %(km)s") % {"km": label}
    if finish:
        return _("Finish (42.195 km) — taken by “%(title)s”") % {"title": holder}
    return _("Km %(km)s — taken by “%(title)s”") % {"km": label, "title": holder}


def resonance_label(story: Story) -> str:
    """A published story as the link's select lists it: km — title — pen name (campaign)."""
    return _("Km %(km)s — %(title)s — %(pen_name)s (%(campaign)s)") % {
        "km": story.km_label,
        "title": story.title,
        "pen_name": story.pen_name,
        "campaign": story.campaign.name,
    }


class StoryForm(forms.Form):
    """One revision's content as the editor sees it.

    ``photos`` are the entry's ready photos (each may be chosen or not);
    ``taken`` maps a km label to the title of the other story holding it;
    ``candidates`` are the published stories the link may name.
    """

    base = forms.IntegerField(widget=forms.HiddenInput, required=False)
    km = forms.ChoiceField(label=_("Km mark"), required=False)
    resonated_with = forms.ChoiceField(label=_("The story that moved the author"), required=False)
    pen_name = forms.CharField(label=_("Pen name"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, photos=(), taken=None, candidates=(), current_link=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.photos = list(photos)
        #: Errors the services gave about the photos as a whole (alt text, not ready…).
        self.photo_errors: list[str] = []
        taken = taken or {}
        self.fields["km"].choices = [("", _("Not placed yet"))] + [
            (km_label(mark), km_choice_label(km_label(mark), taken.get(km_label(mark))))
            for mark in KM_MARKS
        ]
        links = [(str(s.pk), resonance_label(s)) for s in candidates]
        if current_link is not None and str(current_link.pk) not in {v for v, _ in links}:
            # Keep a link that is no longer allowed visible, so saving says why.
            links.append(
                (
                    str(current_link.pk),
                    _("%(title)s (no longer published)") % {"title": current_link},
                )
            )
        self.fields["resonated_with"].choices = [("", _("None (no story named)")), *links]
        self.fields["pen_name"].widget.attrs.update({"autocomplete": "off", "data-limit": "60"})
        for name in TEXT_FIELDS:
            for lang in LANGS:
                key = f"{name}_{lang}"
                limit = TEXT_LIMITS[name]
                attrs = {"lang": lang, "data-limit": str(limit), "spellcheck": "true"}
                if name in ONE_LINE:
                    widget = forms.TextInput(attrs=attrs)
                else:
                    attrs["rows"] = str(max(3, min(14, limit // 160)))
                    widget = forms.Textarea(attrs=attrs)
                self.fields[key] = forms.CharField(
                    label=text_label(key), required=False, widget=widget, strip=False
                )
        for position, photo in enumerate(self.photos, start=1):
            prefix = f"photo-{photo.pk}-"
            self.fields[prefix + "use"] = forms.BooleanField(
                label=_("Use photo %(number)s in the story") % {"number": position},
                required=False,
            )
            self.fields[prefix + "order"] = forms.IntegerField(
                label=_("Order"), required=False, min_value=1, max_value=99
            )
            self.fields[prefix + "alt_ja"] = forms.CharField(
                label=_("Alt text (Japanese)"),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"lang": "ja"}),
            )
            self.fields[prefix + "alt_en"] = forms.CharField(
                label=_("Alt text (English)"),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"lang": "en"}),
            )
            for axis, label in (
                ("focal_x", _("Focal point, across (0 left … 1 right)")),
                ("focal_y", _("Focal point, down (0 top … 1 bottom)")),
            ):
                self.fields[prefix + axis] = forms.DecimalField(
                    label=label,
                    required=False,
                    min_value=Decimal(0),
                    max_value=Decimal(1),
                    decimal_places=3,
                    widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
                )

    # --- from and to a revision's content ------------------------------------------------

    @classmethod
    def initial_from(cls, content: dict, photos, *, base: int | None) -> dict:
        """The form's initial values for a revision's ``content``."""
        initial = {key: value for key, value in content.items() if key not in ("photos",)}
        initial["km"] = content.get("km") or ""
        link = content.get("resonated_with")
        initial["resonated_with"] = str(link) if link else ""
        initial["base"] = base
        chosen = {item["photo"]: (n, item) for n, item in enumerate(content.get("photos") or [], 1)}
        for position, photo in enumerate(photos, start=1):
            prefix = f"photo-{photo.pk}-"
            order, item = chosen.get(photo.pk, (None, None))
            initial[prefix + "use"] = item is not None
            initial[prefix + "order"] = order or len(chosen) + position
            item = item or {}
            initial[prefix + "alt_ja"] = item.get("alt_ja", "")
            initial[prefix + "alt_en"] = item.get("alt_en", "")
            initial[prefix + "focal_x"] = item.get("focal_x", "0.5")
            initial[prefix + "focal_y"] = item.get("focal_y", "0.5")
        return initial

    def content(self) -> dict:
        """The revision content the editor asked for (call after ``is_valid()``)."""
        data = self.cleaned_data
        content = {
            f"{name}_{lang}": data.get(f"{name}_{lang}", "")
            for name in TEXT_FIELDS
            for lang in LANGS
        }
        content["km"] = data.get("km") or None
        content["resonated_with"] = data.get("resonated_with") or None
        content["pen_name"] = data.get("pen_name", "")
        content["role"] = data.get("role", "")
        chosen = []
        for position, photo in enumerate(self.photos):
            prefix = f"photo-{photo.pk}-"
            if not data.get(prefix + "use"):
                continue
            order = data.get(prefix + "order")
            chosen.append(
                (
                    order if order is not None else 100 + position,
                    position,
                    {
                        "photo": photo.pk,
                        "alt_ja": data.get(prefix + "alt_ja", ""),
                        "alt_en": data.get(prefix + "alt_en", ""),
                        "focal_x": str(_or_half(data.get(prefix + "focal_x"))),
                        "focal_y": str(_or_half(data.get(prefix + "focal_y"))),
                    },
                )
            )
        content["photos"] = [item for _order, _position, item in sorted(chosen, key=_by_order)]
        return content

    # --- for the template ----------------------------------------------------------------

    def describe(self) -> None:
        """Point each field at its help, counter and error, for screen readers."""
        for name, field in self.fields.items():
            auto = f"id_{name}"
            ids = [f"{auto}-error"] if name in self.errors else []
            if field.widget.attrs.get("data-limit"):
                ids.append(f"{auto}-count")
            if name in ("km", "resonated_with"):
                ids.append(f"{auto}-help")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def text_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(name, self[f"{name}_ja"], self[f"{name}_en"]) for name in TEXT_FIELDS]

    def photo_rows(self) -> list[dict]:
        rows = []
        for position, photo in enumerate(self.photos, start=1):
            prefix = f"photo-{photo.pk}-"
            rows.append(
                {
                    "number": position,
                    "photo": photo,
                    **{part: self[prefix + part] for part in PHOTO_PARTS},
                }
            )
        return rows


def _or_half(value) -> Decimal:
    return Decimal("0.5") if value is None else value


def _by_order(row):
    return row[0], row[1]
