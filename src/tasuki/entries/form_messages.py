"""Texts the entry form's script shows, translated on the server so there is one
catalogue; the page carries them as JSON (``entry-messages``)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def entry_form_messages() -> dict[str, str]:
    """Texts the form's script shows, translated here so there is one catalogue."""
    return {
        "draftSaved": _("Draft saved on this device at %(time)s."),
        "draftRestored": _("We restored the draft you started on this device."),
        "startOver": _("Start over"),
        "confirmStartOver": _("Delete this draft and start an empty form?"),
        "uploading": _("Uploading… %(percent)s%"),
        "uploaded": _("Uploaded."),
        "retrying": _("The connection dropped while uploading. Trying again…"),
        "offlineWait": _("You are offline. The photo will upload when you are back online."),
        "uploadFailed": _(
            "This photo could not be uploaded. Check your connection and press Retry."
        ),
        "retry": _("Retry"),
        "remove": _("Remove"),
        "tooMany": _("An entry can have at most %(max)s photos."),
        "shrinking": _("Making the photo smaller for upload…"),
        "waitingPhotos": _("Waiting for your photos to finish uploading…"),
        "photoErrorsFirst": _("Remove or retry the photos marked with a problem, then send again."),
        "sending": _("Sending your entry…"),
        "offlineSubmit": _(
            "You appear to be offline. Your entry is kept on this device and will be sent as "
            "soon as the connection is back."
        ),
        "serverDown": _(
            "We could not reach the server. Your entry is kept on this device; we will try "
            "again in a few seconds."
        ),
        "waitingRobot": _("Finishing the robot check…"),
        "chars": _("%(count)s / %(limit)s characters"),
        "over": _("%(count)s / %(limit)s characters: %(over)s too many"),
    }
