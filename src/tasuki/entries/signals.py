"""Signals other apps listen to (entries imports none of them).

``photo_ready``: a photo's renditions have been made (worker side); sent with
``photo`` after the change is saved. Review's photo checks listen.
"""

from django.dispatch import Signal

photo_ready = Signal()
