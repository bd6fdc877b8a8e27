"""Role checks for back-office templates."""

from django import template

from tasuki.staff import roles

register = template.Library()


@register.filter
def may_manage_staff(user) -> bool:
    return roles.is_verified(user) and roles.may_manage_staff(user)
