"""Factories for the care_episodes models (generated data only)."""

import datetime

import factory

from care_episodes.models import Assessment, ConsultationNote, OutcomeMeasurement
from tests.factories import EpisodeFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    episode = factory.SubFactory(EpisodeFactory)
    assessed_on = factory.LazyFunction(datetime.date.today)
    presenting_complaint = "Low back pain after lifting boxes at work"
    onset = "Three weeks ago, lifting"
    symptom_weeks = 3
    pattern = Assessment.Pattern.BACK_DOMINANT
    aggravating_factors = "Sitting more than 20 minutes"
    easing_factors = "Walking"
    work_status = Assessment.WorkStatus.WORKING_MODIFIED
    medications = "Ibuprofen as needed"
    red_flag_screen = "No saddle anaesthesia, bladder and bowel normal, no fever or weight loss."
    working_diagnosis = "Non-specific mechanical low back pain"
    goals = "Sit through a movie; return to full duties"


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeMeasurement

    episode = factory.SubFactory(EpisodeFactory)
    measured_on = factory.LazyFunction(datetime.date.today)
    timepoint = OutcomeMeasurement.Timepoint.BASELINE
    nprs = 7
    rmdq = 14


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationNote

    episode = factory.SubFactory(EpisodeFactory)
    title = factory.Sequence(lambda n: f"Physiotherapy consultation {n}")
    body = "Presentation\nBack pain.\n\nSelf-management plan\nWalking programme."
    author = factory.LazyAttribute(lambda note: note.episode.physiotherapist)
