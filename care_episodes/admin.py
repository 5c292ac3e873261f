from django.contrib import admin

from care_episodes.models import Exercise


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    """The exercise library is reference data, not patient data: clinics curate it here."""

    list_display = ["name", "purpose", "sets", "reps", "frequency"]
    search_fields = ["name", "purpose"]
