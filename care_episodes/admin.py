from typing import TYPE_CHECKING

from django.contrib import admin

from care_episodes.models import Exercise

# ModelAdmin is generic only for the type checker (Django's class takes no subscript at run time).
if TYPE_CHECKING:
    _ExerciseModelAdmin = admin.ModelAdmin[Exercise]
else:
    _ExerciseModelAdmin = admin.ModelAdmin


@admin.register(Exercise)
class ExerciseAdmin(_ExerciseModelAdmin):
    """The exercise library is reference data, not patient data: clinics curate it here."""

    list_display = ["name", "purpose", "sets", "reps", "frequency"]
    search_fields = ["name", "purpose"]
