"""Signals other apps listen to (entries imports none of them).

``photo_ready``: a photo's renditions have been made (worker side); sent with
``photo`` after the change is saved. Review's photo checks listen.

``entry_withdrawn``: the entrant withdrew an entry; sent with ``entry`` inside
the withdrawal's transaction. The relay takes a published story down.
"""

from django.dispatch import Signal

photo_ready = Signal()
entry_withdrawn = Signal()
