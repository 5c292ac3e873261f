from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin

from care_episodes.models import Exercise, PartnerEndpoint

# ModelAdmin is generic only for the type checker (Django's class takes no subscript at run time).
if TYPE_CHECKING:
    _ExerciseModelAdmin = admin.ModelAdmin[Exercise]
    _PartnerEndpointModelAdmin = admin.ModelAdmin[PartnerEndpoint]
    _PartnerEndpointFormBase = forms.ModelForm[PartnerEndpoint]
else:
    _ExerciseModelAdmin = _PartnerEndpointModelAdmin = admin.ModelAdmin
    _PartnerEndpointFormBase = forms.ModelForm


@admin.register(Exercise)
class ExerciseAdmin(_ExerciseModelAdmin):
    """The exercise library is reference data, not patient data: clinics curate it here."""

    list_display = ["name", "purpose", "sets", "reps", "frequency"]
    search_fields = ["name", "purpose"]


class PartnerEndpointForm(_PartnerEndpointFormBase):
    """The shared secret is typed once and never shown again; left empty on a change, it stays."""

    webhook_url = forms.URLField(max_length=500, assume_scheme="https")
    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Shared with the partner to sign each notice (HMAC-SHA256). Leave empty to keep it.",
    )

    class Meta:
        model = PartnerEndpoint
        fields = ["partner_key", "webhook_url", "secret", "active"]

    def clean_secret(self) -> str:
        typed: str = self.cleaned_data.get("secret") or ""
        if typed:
            if len(typed) < 16:
                raise forms.ValidationError("Use a secret of at least 16 characters.")
            return typed
        if self.instance.pk:
            return self.instance.secret
        raise forms.ValidationError("Give the secret shared with the partner.")


@admin.register(PartnerEndpoint)
class PartnerEndpointAdmin(_PartnerEndpointModelAdmin):
    """Where each partner system hears that a note for one of its clinicians' referrals is ready.
    Configuration, not patient data: the notices carry ids only."""

    form = PartnerEndpointForm
    list_display = ["partner_key", "webhook_url", "active", "created_at"]
