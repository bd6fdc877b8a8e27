"""Role checks for the story pages' links on other back-office pages."""

from django import template

from tasuki.staff import roles

register = template.Library()


@register.filter
def may_edit_stories(user) -> bool:
    """Signed in with the second factor and holding a role that edits stories
    (the roles ``relay.staff_views`` allows)."""
    from tasuki.relay.staff_views import EDIT_ROLES

    return roles.is_verified(user) and roles.has_role(user, *EDIT_ROLES)
