"""The entry form. It validates; it never saves (see services.submit_entry)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import MARATHON_KM
from tasuki.entries import relay_link
from tasuki.entries.countries import CountryField
from tasuki.entries.models import (
    EMAIL_COLUMN,
    HANDLE_COLUMN,
    LIMITS,
    AgeGroup,
    ContentLanguage,
    Role,
)

# Bidi embeddings, overrides and isolates can make text read differently from
# what it says (the "Trojan Source" trick); C0/C1 controls have no place in a
# story. Line breaks and tabs are fine in long answers.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_HANDLE = re.compile(rf"^@?[A-Za-z0-9._]{{1,{LIMITS['social_handle']}}}$")


def clean_text(value: str, *, multiline: bool) -> str:
    """Normalise a text answer, or refuse invisible control characters with a clear message."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    found = _FORBIDDEN.search(value if multiline else value.replace("\n", " "))
    if found or (not multiline and "\n" in value):
        if found and "\u202a" <= found.group() <= "\u2069":
            raise ValidationError(
                _(
                    "This text contains invisible direction-control characters (such as a "
                    "right-to-left override). Please delete them and type the text again."
                ),
                code="bidi_control",
            )
        if found:
            raise ValidationError(
                _(
                    "This text contains invisible control characters, perhaps from a copy and "
                    "paste. Please delete them and type the text again."
                ),
                code="control_character",
            )
    return value.strip() if multiline else " ".join(value.split())


class AnswerField(forms.CharField):
    """A text answer: normalised, free of control characters, and within its limit.

    The limit is counted in characters as the form's live counter counts them,
    and carried to the page as ``data-limit`` for that counter. There is no
    ``maxlength`` attribute: the browser would cut a pasted text silently,
    where the entrant should see how much to shorten it.
    """

    def __init__(self, *, limit: str, multiline: bool = False, **kwargs) -> None:
        self.limit = LIMITS[limit]
        self.multiline = multiline
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)
        self.widget.attrs["data-limit"] = str(self.limit)

    def to_python(self, value):
        return clean_text(super().to_python(value), multiline=self.multiline)

    def validate(self, value):
        super().validate(value)
        if len(value) > self.limit:
            raise ValidationError(
                _(
                    "This answer is %(count)s characters long; the limit is %(limit)s. "
                    "Please shorten it by %(over)s characters."
                ),
                code="too_long",
                params={"count": len(value), "limit": self.limit, "over": len(value) - self.limit},
            )


HANDLE_TOO_LONG = _("A handle has at most 30 letters, digits, dots and underscores after the @.")
#: Django's own "This field is required." reads like a machine in both languages.
REQUIRED = _("This answer is needed: please fill it in.")
CHOOSE_ONE = _("Please choose one of the options in the list.")


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


_STORY_ID = re.compile(r"[0-9]{1,10}")


class StoryPickWidget(forms.Select):
    """The published stories as a ``<select>`` grouped by campaign.

    Each option carries its km mark and the words a search may match (both
    titles, the pen name, the campaign) for the search box the form's script
    puts in its place; without the script the ``<select>`` itself is the picker.
    """

    stories: dict[str, relay_link.StoryOption]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stories = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        story = self.stories.get(str(value))
        if story is not None:
            option["attrs"]["data-km"] = story.km_label
            option["attrs"]["data-search"] = story.search_text
            option["attrs"]["data-campaign"] = story.campaign_text
        return option


class StoryPickField(forms.TypedChoiceField):
    """The id of the published story the entrant picked, or ``None``.

    Any well-formed id passes here: whether the story may still be named is
    asked of the relay when the entry is sent (:meth:`EntryForm.check_pick`),
    after a retry of an entry already received has been recognised, so a story
    taken down in between never turns a retry into a "different story".
    """

    widget = StoryPickWidget

    def __init__(self, **kwargs) -> None:
        super().__init__(coerce=int, empty_value=None, required=False, **kwargs)

    def valid_value(self, value) -> bool:
        return bool(_STORY_ID.fullmatch(str(value))) and int(value) > 0


class EntryForm(forms.Form):
    """Every field of an entry except photos, which arrive as upload tokens."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    language = forms.ChoiceField(label=_("Language of your story"), choices=ContentLanguage.choices)

    resonated_with = StoryPickField(
        label=_("1. Which relay story resonated with you most?"),
        help_text=_(
            "Optional. Pick it from the stories published so far (search by a word of its "
            "title or by its km mark), or choose “None of these” and describe it below."
        ),
    )
    resonated_story = AnswerField(
        limit="resonated_story",
        multiline=True,
        label=_("1. Which relay story resonated with you most?"),
        help_text=_("Optional. Tell us which story and why, and at which km mark it sits."),
        required=False,
        widget=_textarea(3),
    )
    resonated_km = forms.DecimalField(
        label=_("Its km mark (0–42.195)"),
        required=False,
        min_value=Decimal(0),
        max_value=MARATHON_KM,
        decimal_places=3,
        error_messages={
            key: _(
                "A km mark is a number from 0 (the start) to 42.195 (the finish), such as 21 "
                "or 35.5."
            )
            for key in ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places")
        },
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
    )
    appeal = AnswerField(
        limit="appeal",
        multiline=True,
        label=_("2. What is the race's biggest appeal to you?"),
        help_text=_("Why do you want to run it, or be part of it?"),
        widget=_textarea(4),
    )
    episode = AnswerField(
        limit="episode",
        multiline=True,
        label=_("3. An episode connected with the race that moved you"),
        help_text=_("This is the heart of your entry: tell it as you would to a friend."),
        widget=_textarea(10),
    )
    wishes = AnswerField(
        limit="wishes",
        multiline=True,
        label=_("4. The race turns 20 in 2027. What do you wish for it?"),
        widget=_textarea(4),
    )
    tagline = AnswerField(
        limit="tagline",
        label=_("5. Finish the line: “#MyRace is …”"),
        help_text=_("One short line."),
    )
    title = AnswerField(limit="title", label=_("Title of your story"))
    pen_name = AnswerField(
        limit="pen_name",
        label=_("Pen name"),
        help_text=_("Shown with your story if it is published."),
    )
    role = forms.ChoiceField(label=_("You take part as"), choices=[("", "—"), *Role.choices])
    country = CountryField(label=_("Country or region"))

    real_name = AnswerField(
        limit="real_name",
        label=_("Your real name"),
        help_text=_("Never published. Staff use it to contact winners."),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_COLUMN,
        help_text=_("We send your receipt here. Winners are contacted only by e-mail."),
        error_messages={
            "invalid": _(
                "This does not look like an e-mail address. Please check it (it should look "
                "like name@example.com)."
            ),
            "max_length": _(
                "This address is %(show_value)d characters long; we can take addresses of up "
                "to %(limit_value)d characters. Please use a shorter address."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    instagram_handle = forms.CharField(
        label=_("Your Instagram handle"),
        required=False,
        max_length=HANDLE_COLUMN,
        error_messages={"max_length": HANDLE_TOO_LONG},
    )
    x_handle = forms.CharField(
        label=_("Your X handle"),
        required=False,
        max_length=HANDLE_COLUMN,
        error_messages={"max_length": HANDLE_TOO_LONG},
    )

    age_group = forms.ChoiceField(
        label=_("Age"), choices=AgeGroup.choices, widget=forms.RadioSelect
    )
    guardian_name = AnswerField(
        limit="guardian_name", label=_("Parent's or guardian's name"), required=False
    )
    guardian_consent = forms.BooleanField(
        label=_("My parent or guardian has read the terms and agrees to my entry."),
        required=False,
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms and the privacy notice."),
        error_messages={
            "required": _(
                "Please read the terms and tick the box to accept them. "
                "We cannot take an entry without it."
            )
        },
    )
    #: Honeypot: hidden from people, filled by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, campaign=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        # Read from the relay only when the page is drawn (the choices are a callable):
        # a submission asks only about the one story it picked (check_pick).
        self.fields["resonated_with"].choices = self._story_choices
        for field in self.fields.values():
            if (
                field.error_messages.get("required")
                == forms.Field.default_error_messages["required"]
            ):
                field.error_messages["required"] = REQUIRED
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = CHOOSE_ONE
        self.fields["real_name"].widget.attrs["autocomplete"] = "name"
        self.fields["country"].use_language(
            get_language(), first=campaign.likely_countries if campaign else ()
        )

    @cached_property
    def story_options(self) -> list[relay_link.StoryOption]:
        """The published stories this campaign's entrants may pick (none: no picker)."""
        options = relay_link.story_options(self.campaign)
        if options:
            # With a list to pick from, the text box is for the entrant's own words.
            self.fields["resonated_story"].label = _(
                "In your own words: which story, and why did it move you?"
            )
            self.fields["resonated_story"].help_text = _(
                "Optional. If the story is not in the list, tell us which one it is and at "
                "which km mark it sits."
            )
        return options

    def _story_choices(self) -> list:
        options = self.story_options
        self.fields["resonated_with"].widget.stories = {str(o.id): o for o in options}
        groups: list[tuple[str, list]] = []
        last = None
        for option in options:
            if option.campaign_id != last or not groups:
                groups.append((option.campaign_name, []))
                last = option.campaign_id
            groups[-1][1].append((option.id, option.label))
        return [("", _("None of these: I will describe it in my own words")), *groups]

    def check_pick(self) -> bool:
        """Whether the picked story (if any) may still be named; adds the field's message if not.

        Called by the submit pipeline after ``is_valid()`` (on an invalid form too, so
        every message shows at once). Sets
        ``cleaned_data["resonated_with_km"]`` to the story's km mark, which the
        entry takes when the entrant gave no km of their own.
        """
        story_id = self.cleaned_data.get("resonated_with")
        if story_id is None:
            return True
        story = relay_link.allowed_story(self.campaign, story_id)
        if story is None:
            self.add_error(
                "resonated_with",
                ValidationError(
                    _(
                        "The story you picked is no longer published, so it cannot be linked. "
                        "Please pick another, or choose “None of these” and describe it in "
                        "your own words. Everything else you wrote is still here."
                    ),
                    code="story_unavailable",
                ),
            )
            return False
        self.cleaned_data["resonated_with_km"] = Decimal(story.km_label)
        return True

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def _clean_handle(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        if not _HANDLE.match(value):
            raise ValidationError(
                _("A handle has only letters, digits, dots and underscores, like @my_name."),
                code="bad_handle",
            )
        return "@" + value.lstrip("@")

    def clean_instagram_handle(self):
        return self._clean_handle("instagram_handle")

    def clean_x_handle(self):
        return self._clean_handle("x_handle")

    def clean(self):
        data = super().clean()
        if data.get("age_group") == AgeGroup.MINOR:
            if not data.get("guardian_name"):
                self.add_error(
                    "guardian_name",
                    ValidationError(
                        _("Under 18, we need your parent's or guardian's name."),
                        code="guardian_required",
                    ),
                )
            if not data.get("guardian_consent"):
                self.add_error(
                    "guardian_consent",
                    ValidationError(
                        _("Under 18, your parent or guardian must agree to your entry."),
                        code="guardian_consent_required",
                    ),
                )
        if (
            data.get("resonated_km") is not None
            and not data.get("resonated_story")
            and not data.get("resonated_with")
        ):
            self.add_error(
                "resonated_story",
                ValidationError(
                    _("You gave a km mark: please also say which story it is."),
                    code="km_without_story",
                ),
            )
        return data


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("The e-mail address you entered with"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
