"""The small dashboard on clinicians' home pages: the same rollups as the managers' one."""

from datetime import date, timedelta
from typing import Any

from django import template
from django.contrib.auth.models import User

from lbp_pathway.access import Role, has_role
from reporting import queries as q
from reporting import rollups

register = template.Library()


@register.inclusion_tag("reporting/_clinician_figures.html")
def clinician_figures(user: User, days: int = 90) -> dict[str, Any]:
    """Last `days` days for this physiotherapist's own episodes (the whole team for other roles)."""
    own = has_role(user, Role.PHYSIOTHERAPIST)
    today = date.today()
    filters = q.Filters(
        today - timedelta(days=days), today, practitioner_id=user.pk if own else None
    )
    # The rollups as the beat job left them (at most ROLLUP_REFRESH_SECONDS behind): a home page
    # stays a read, with no refresh of its own.
    overall = rollups.wait_by_site(filters)[-1]  # the "All sites" row
    return {
        "days": days,
        "own": own,
        "wait": overall,
        "waitlist": rollups.waitlist(filters, today=today),
        "target_days": q.wait_target_days(),
    }
