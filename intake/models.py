from django.conf import settings
from django.db import models


class Site(models.Model):
    """A clinic site of the family health team."""

    name = models.CharField(max_length=120, unique=True)
    address = models.CharField(max_length=250, blank=True)
    postal_code = models.CharField(max_length=7, blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        INTERSEX = "X", "Intersex / another"
        UNKNOWN = "U", "Not recorded"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    gender = models.CharField(max_length=60, blank=True)
    # Ontario health card: 10 digits; unique when present (duplicates refused by the database).
    health_card_number = models.CharField(max_length=10, unique=True, null=True, blank=True)
    health_card_version = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    postal_code = models.CharField(max_length=7, blank=True)
    preferred_language = models.CharField(max_length=30, default="English")
    consent_email_reminders = models.BooleanField(default=False)
    consent_sms_reminders = models.BooleanField(default=False)
    family_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_patients",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
