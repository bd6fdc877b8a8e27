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
        # Whole sentences with placeholders, so each language puts the parts in its own order.
        "timeJst": _("%(hours)s:%(minutes)s JST"),
        "dateTimeJst": _("%(year)s-%(month)s-%(day)s %(hours)s:%(minutes)s JST"),
        "photoLine": _("%(name)s: %(status)s"),
        "removeNamed": _("Remove %(name)s"),
        "photoWaitingRobot": _("Waiting for the robot check before uploading…"),
        "offlineWaitingPhotos": _(
            "You are offline. Your entry is kept on this device and will send itself once "
            "the connection is back and your photos have uploaded."
        ),
        "retryIn": _("We will try again by ourselves in %(seconds)s seconds."),
        "retryGaveUp": _(
            "We tried several times and could not send your entry. Everything you wrote is "
            "kept on this device: please press Send again a little later."
        ),
        "cannotSend": _(
            "Your entry could not be sent. Everything you wrote is kept on this device."
        ),
        "alreadySent": _(
            "You already sent this story from this device on %(time)s. Its receipt number is "
            "%(receipt)s. Pressing Send shows that receipt; no second entry is made."
        ),
        "alreadySentHere": _(
            "Already sent with receipt number %(receipt)s: pressing Send shows that receipt."
        ),
        "draftWasSent": _(
            "This draft has already been sent: its photos are part of an entry. Pressing Send "
            "shows that entry's receipt; no second entry is made."
        ),
        "seeReceipt": _("See the receipt"),
        "startNew": _("Write a new entry"),
        "newEntryStarted": _("This is a new, empty entry."),
        "photoGone": _(
            "This photo is no longer on our server (uploads are kept for two days). Please "
            "remove it and add it again."
        ),
        "photoSent": _("Sent with your entry."),
        "photoElsewhere": _(
            "This photo was sent with the other entry, so it is not part of this one."
        ),
        "chars": _("%(count)s / %(limit)s characters"),
        "over": _("%(count)s / %(limit)s characters: %(over)s too many"),
    }
