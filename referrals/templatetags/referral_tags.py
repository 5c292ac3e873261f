"""Referral words in the page's language, for the referral templates."""

from django import template

from referrals import labels

register = template.Library()


@register.filter
def reason_words(reason: str) -> str:
    """A stored suggestion reason in the page's language."""
    return labels.reason_text(reason)


@register.filter
def referral_status(status: str) -> str:
    """A referral status (code) in the page's language, in the referral's own wording."""
    return labels.status_label(status)
