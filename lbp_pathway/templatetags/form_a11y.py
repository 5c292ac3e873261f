"""The error summary at the top of a form (WCAG 3.3.1): every error, each linking to its field.

`{% form_error_summary form %}` renders templates/includes/form_errors.html once per form: crispy's
errors template (templates/bootstrap5/errors.html) calls it, and so may a page that shows the summary
above its own form layout; whichever comes first shows it, the other shows nothing."""

from typing import Any

from django import template
from django.forms import BaseForm

register = template.Library()

SHOWN = "_error_summary_shown"


@register.inclusion_tag("includes/form_errors.html")
def form_error_summary(form: BaseForm | None) -> dict[str, Any]:
    if form is None or not getattr(form, "errors", None) or getattr(form, SHOWN, False):
        return {"form": None}
    setattr(form, SHOWN, True)
    return {"form": form}
