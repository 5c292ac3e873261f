"""The French for the labels of the rules module (care_episodes.outcomes), which is pure Python and
stays in English (its labels are also the `outcomes_check` output). The pages translate a label when
they show it (the `translate_label` filter of care_tags); the messages below put each label in the
catalogue. A test checks that every label of the rules module is listed here."""

from django.utils.translation import gettext_noop

LABELS = (
    # outcomes.LABELS
    gettext_noop("Pain (NPRS 0-10)"),
    gettext_noop("Disability (RMDQ 0-24)"),
    gettext_noop("Function (PSFS mean 0-10)"),
    gettext_noop("Global rating of change (-7 to +7)"),
    gettext_noop("Disability (ODI %)"),
    # outcomes.DIRECTION_LABELS
    gettext_noop("Meaningful improvement"),
    gettext_noop("Meaningful worsening"),
    gettext_noop("No meaningful change"),
    # outcomes.TIMEPOINT_LABELS
    gettext_noop("Baseline"),
    gettext_noop("6 weeks"),
    gettext_noop("Discharge"),
    gettext_noop("3 months"),
    gettext_noop("6 months"),
    gettext_noop("12 months"),
    gettext_noop("Other"),
)
