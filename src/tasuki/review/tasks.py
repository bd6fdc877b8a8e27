"""Worker side of review: tasks take ids only and delegate.

Only ids, as in ``entries.tasks``: a task's row stays in the queue's table
after it runs, so nothing an entrant wrote goes into it.
"""

from __future__ import annotations

from django_tasks import task

from tasuki.review import search


@task()
def index_entry_task(entry_id: int) -> None:
    """Make a newly submitted entry findable by the queue's search.

    A task rather than part of the submit, because tokenising up to 7,500
    characters of answers is work the entrant should not wait for; an entry
    erased before the worker comes to it is simply skipped.
    """
    search.index_entry_id(entry_id)


@task()
def write_export_task(export_id: int, language: str) -> None:
    """Write a large export of the review queue, counting rows for the progress bar."""
    from tasuki.review import exports

    exports.write(export_id, language=language)


@task()
def check_entry_task(entry_id: int) -> None:
    """Run the automatic checks on a newly arrived entry (flags for reviewers)."""
    from tasuki.review import flagging

    flagging.check_entry(entry_id)


@task()
def check_photo_task(photo_id: int) -> None:
    """Run the photo checks on a photo whose renditions have just been made."""
    from tasuki.review import flagging

    flagging.check_photo(photo_id)


@task()
def check_campaign_task(run_id: int) -> None:
    """Check every entry of a campaign again, counting for the progress bar."""
    from tasuki.review import flagging

    flagging.run_campaign(run_id)
