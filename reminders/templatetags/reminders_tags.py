from django import template
from django.utils.html import format_html
from django.utils.translation import pgettext

from reminders.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_badge(context: template.Context) -> str:
    """The unread-notification count next to the Notifications link (text, not colour alone)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    count = unread_count(user)
    if not count:
        return ""
    return format_html(
        ' <span class="badge rounded-pill text-bg-warning" data-testid="unread-count">{}'
        '<span class="visually-hidden"> {}</span></span>',
        count,
        pgettext("notifications", "unread"),
    )
