"""The care-episode pages in French (issue 16): the staff screens follow the browser's language, the
patient's documents (handout, consultation note PDF) follow the patient's language and say so in the
PDF (/Lang in the catalog, /Title in the information dictionary)."""

import html
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from care_episodes import documents, outcomes, services
from care_episodes.models import Episode, Exercise
from intake.models import Patient
from lbp_pathway.audit import as_actor
from lbp_pathway.pdf import html_to_pdf
from tests.care_episodes.factories import AssessmentFactory, NoteFactory
from tests.care_episodes.test_physio_pages import ASSESSMENT
from tests.factories import EpisodeFactory, PatientFactory
from tests.integration.test_reminder_hooks import ASSESSMENT_FIELDS

pytestmark = pytest.mark.django_db
S = Episode.Status
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}


def text_of(response) -> str:
    """The page's main content (the navigation and footer are the project's, translated apart)."""
    assert response.status_code == 200
    page = response.content.decode()
    return html.unescape(page[page.index('<main id="main"') : page.index("</main>")])


def speaks_french(patient: Patient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the patient French-speaking, as the front desk records it (Patient.preferred_language)."""
    Patient.objects.filter(pk=patient.pk).update(preferred_language="fr")
    patient.refresh_from_db()


def pdf_info(content: bytes) -> tuple[str, str, str]:
    """(language, title, text) of a PDF as a reader sees them."""
    reader = PdfReader(BytesIO(content))
    language = str(reader.trailer["/Root"].get("/Lang", ""))
    title = str((reader.metadata or {}).get("/Title", ""))
    text = " ".join(page.extract_text() for page in reader.pages)
    # French puts a non-breaking space before a colon; compare with plain spaces.
    return language, title.replace("\u00a0", " "), " ".join(text.replace("\u00a0", " ").split())


def test_the_physio_home_is_in_french(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED, risk="high")
    page = text_of(client_for(physio).get(reverse("care_episodes:physio_home"), **FRENCH))
    for french in ["Mes patients", "Trouver une personne", "Épisodes ouverts", "Risque élevé"]:
        assert french in page, french
    assert "Évalué" in page  # the episode's status, a model choice
    assert episode.patient.full_name in page
    for english in ["My patients", "Find a patient", "Open episodes", "High risk", "Assessed"]:
        assert english not in page, english


def test_the_episode_page_is_in_french(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED, risk="medium")
    AssessmentFactory(episode=episode, by=physio)
    page = text_of(
        client_for(physio).get(reverse("care_episodes:episode_detail", args=[episode.pk]), **FRENCH)
    )
    for french in [
        "Motif de consultation",
        "Diagnostic provisoire",
        "Douleur surtout lombaire",  # the assessment's pattern, a model choice
        "Mesures de résultats",
        "Plan d'autogestion",
        "Notes de consultation au médecin de famille",
        "Rédiger la note de consultation",
        "Chronologie",
        "Risque moyen",
    ]:
        assert french in page, french
    for english in [
        "Presenting complaint",
        "Working diagnosis",
        "Back-dominant pain",
        "Self-management plan",
        "Draft the consultation note",
        "Timeline",
    ]:
        assert english not in page, english


def test_the_assessment_form_and_its_errors_are_in_french(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(physio).post(
        reverse("care_episodes:assessment", args=[episode.pk]),
        {**ASSESSMENT, "assessed_on": tomorrow.isoformat()},
        **FRENCH,
    )
    page = text_of(response)
    assert not episode.assessments.exists()  # nothing saved
    for french in [
        "1 problème à corriger avant l'enregistrement",
        "La date de l'évaluation ne peut pas être dans le futur.",
        "Anamnèse",
        "Dépistage des drapeaux rouges",
        "(contient des erreurs)",
        "Enregistrer l'évaluation",
        "Au travail, tâches complètes",  # a choice of the work status
    ]:
        assert french in page, french
    for english in [
        "problem to fix",
        "cannot be in the future",
        "Red-flag screen",
        "Save the assessment",
        "Working, full duties",
    ]:
        assert english not in page, english


def test_the_same_pages_stay_in_english_for_an_english_browser(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    client = client_for(physio)
    home = text_of(client.get(reverse("care_episodes:physio_home"), HTTP_ACCEPT_LANGUAGE="en"))
    detail = text_of(
        client.get(
            reverse("care_episodes:episode_detail", args=[episode.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert "My patients" in home and "Mes patients" not in home
    assert "Self-management plan" in detail and "Plan d'autogestion" not in detail


def write_plan(client, episode):
    bridge = Exercise.objects.get(name="Bridge")
    response = client.post(
        reverse("care_episodes:plan", args=[episode.pk]),
        {
            "education_topics": ["stay_active"],
            "exercises": [str(bridge.pk)],
            "goals": "Jardiner de nouveau",
            "safety_netting": "Allez à l'urgence si vous perdez la sensation entre les jambes.",
        },
    )
    assert response.status_code == 302


def test_a_french_patients_handout_pdf_is_in_french_and_says_so(physio, client_for, monkeypatch):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    speaks_french(episode.patient, monkeypatch)
    client = client_for(physio)  # an English-speaking physiotherapist prints it
    write_plan(client, episode)
    pdf = client.get(reverse("care_episodes:handout_pdf", args=[episode.pk]))
    language, title, text = pdf_info(pdf.content)
    assert language == "fr-CA"
    assert title.startswith("Votre plan de soins pour le dos")
    assert episode.patient.full_name in title
    assert "Vos objectifs" in text and "Rester actif aide à se rétablir" in text
    assert "Your goals" not in text and "Staying active helps recovery" not in text


def test_the_handout_page_shows_the_french_body_inside_english_staff_screens(
    physio, client_for, monkeypatch
):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    speaks_french(episode.patient, monkeypatch)
    client = client_for(physio)
    write_plan(client, episode)
    page = text_of(
        client.get(reverse("care_episodes:handout", args=[episode.pk]), HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "Back to the episode" in page  # the physiotherapist's own buttons
    assert 'lang="fr-CA"' in page and "Votre plan de soins pour le dos" in page
    assert "Quand demander de l'aide" in page


def test_an_english_patients_handout_pdf_is_in_english(physio, client_for):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    client = client_for(physio)
    write_plan(client, episode)
    pdf = client.get(reverse("care_episodes:handout_pdf", args=[episode.pk]), **FRENCH)
    language, title, text = pdf_info(pdf.content)
    assert language == "en-CA"
    assert title.startswith("Your back care plan")
    assert "Your goals" in text and "Vos objectifs" not in text


def test_the_consultation_note_pdf_follows_the_patients_language(physio, client_for, monkeypatch):
    episode = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    note = NoteFactory(
        episode=episode,
        title="Consultation en physiothérapie",
        signed_at=timezone.now(),
        signed_by=physio,
    )
    client = client_for(physio)
    english = pdf_info(client.get(reverse("care_episodes:note_pdf", args=[note.pk])).content)
    assert english[0] == "en-CA"
    assert (
        english[1]
        == f"Consultation note: Consultation en physiothérapie – {episode.patient.full_name}"
    )
    assert "Version 1 · signed" in english[2]

    speaks_french(episode.patient, monkeypatch)
    french = pdf_info(client.get(reverse("care_episodes:note_pdf", args=[note.pk])).content)
    assert french[0] == "fr-CA"
    assert french[1].startswith("Note de consultation : Consultation en physiothérapie")
    assert "signée le" in french[2] and "signed" not in french[2]


def test_a_draft_note_pdf_says_draft_in_the_patients_language(physio, monkeypatch):
    note = NoteFactory(episode=EpisodeFactory(physiotherapist=physio, status=S.ASSESSED))
    speaks_french(note.episode.patient, monkeypatch)
    pdf = html_to_pdf(documents.note_pdf_html(note))
    assert pdf is not None
    assert "BROUILLON, non signé" in pdf_info(pdf)[2]


@pytest.mark.parametrize(("preferred", "expected"), [("fr", "fr"), ("en", "en"), ("other", "en")])
def test_the_documents_language_is_french_or_english(preferred, expected):
    """French for a French-speaking patient; English otherwise, another language included (the
    interpreter flag says who needs one)."""
    patient = Patient(first_name="A", last_name="B", preferred_language=preferred)
    assert documents.patient_language(patient) == expected


def test_every_label_of_the_outcome_rules_has_french():
    labels = [
        *outcomes.LABELS.values(),
        *outcomes.DIRECTION_LABELS.values(),
        *outcomes.TIMEPOINT_LABELS.values(),
    ]
    with translation.override("fr"):
        missing = [label for label in labels if translation.gettext(label) == label]
    assert missing == []


def test_the_other_care_pages_render_in_french(physio, physician, practice_lead, client_for):
    """Each page of the physiotherapist, the family physician and the practice lead, in French: its
    French heading is there and its English heading is not."""
    episode = EpisodeFactory(
        physiotherapist=physio,
        status=S.IN_CARE,
        risk="high",
        patient=PatientFactory(family_physician=physician),
    )
    AssessmentFactory(episode=episode, by=physio)
    note = NoteFactory(episode=episode, signed_at=timezone.now(), signed_by=physio)
    draft = NoteFactory(episode=episode, version=2, previous=note)
    services.request_case_review(
        episode, actor=as_actor(physio), question="Aucun changement à 6 semaines."
    )
    pages = [
        (
            physio,
            reverse("care_episodes:plan", args=[episode.pk]),
            "Plan d'autogestion",
            "Self-management plan",
        ),
        (
            physio,
            reverse("care_episodes:outcome_add", args=[episode.pk]),
            "Enregistrer les mesures",
            "Save the measures",
        ),
        (
            physio,
            reverse("care_episodes:follow_up", args=[episode.pk]),
            "Plan de suivi",
            "Follow-up plan",
        ),
        (
            physio,
            reverse("care_episodes:discharge", args=[episode.pk]),
            "Donner congé à la personne",
            "Discharge the patient",
        ),
        (
            physio,
            reverse("care_episodes:visit_add", args=[episode.pk]),
            "Note de visite de suivi",
            "Follow-up visit note",
        ),
        (
            physio,
            reverse("care_episodes:note_edit", args=[draft.pk]),
            "Signer et envoyer",
            "Sign and send",
        ),
        (
            physio,
            reverse("care_episodes:note_edit", args=[note.pk]),
            "Note de consultation (signée)",
            "Consultation note (signed)",
        ),
        (physician, reverse("care_episodes:physician_home"), "Boîte de réception", "Inbox"),
        (
            physician,
            reverse("care_episodes:physician_note", args=[note.pk]),
            "Marquer comme lue",
            "Mark as read",
        ),
        (
            physician,
            reverse("care_episodes:physician_episode", args=[episode.pk]),
            "épisode de mal de dos",
            "back pain episode",
        ),
        (
            practice_lead,
            reverse("care_episodes:lead_home"),
            "En attente de votre revue",
            "Waiting for your review",
        ),
        (
            practice_lead,
            reverse("care_episodes:case_review", args=[episode.pk]),
            "Envoyer le conseil",
            "Send advice",
        ),
    ]
    for user, url, french, english in pages:
        page = text_of(client_for(user).get(url, **FRENCH))
        assert french in page, url
        assert english not in page, url


def test_the_timeline_reads_in_the_readers_language_and_keeps_the_english_record(
    physio, client_for
):
    """Issue 16: events are recorded in English (the record) and shown to a French reader in French,
    whether fixed ("First assessment completed") or written with the episode's own facts."""
    episode = EpisodeFactory(physiotherapist=physio, status=S.BOOKED)
    fields = AssessmentFactory.build(episode=episode).__dict__
    services.record_assessment(
        episode,
        actor=as_actor(physio),
        **{k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS},
    )
    services.discharge(
        episode,
        actor=as_actor(physio),
        reason="goals_met",
        discharged_on=timezone.localdate(),
    )
    recorded = list(episode.events.values_list("description", flat=True))
    assert "First assessment completed" in recorded
    assert "Discharged: Goals met" in recorded
    url = reverse("care_episodes:episode_detail", args=[episode.pk])
    french = text_of(client_for(physio).get(url, **FRENCH))
    assert "Première évaluation faite" in french
    assert "Congé donné\u00a0: Objectifs atteints" in french
    assert "First assessment completed" not in french and "Goals met" not in french
    english = text_of(client_for(physio).get(url))
    assert "First assessment completed" in english and "Discharged: Goals met" in english


STANDARD_ADVICE_EN = (
    "Go to the Emergency Department now if you have new numbness around the genitals or buttocks, "
    "cannot pass urine or control your bladder or bowels, or have new weakness in both legs."
)
STANDARD_ADVICE_FR = "Allez à l'urgence immédiatement si vous avez un nouvel engourdissement"


def test_the_standard_safety_netting_advice_reaches_each_reader_in_their_language(
    physio, client_for, monkeypatch
):
    """A French-speaking physio sees the standard advice in French on the plan form; saved as is, it
    stays the standard, so an English patient's handout gives it in English and a French patient's
    in French. Advice the physio rewrites is kept as written."""
    url = lambda episode: reverse("care_episodes:plan", args=[episode.pk])  # noqa: E731
    client = client_for(physio)
    english_patient = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    form = client.get(url(english_patient), **FRENCH)
    shown = form.context["form"].initial["safety_netting"]
    assert shown.startswith(STANDARD_ADVICE_FR)
    assert client.post(url(english_patient), {"safety_netting": shown}, **FRENCH).status_code == 302
    english_patient.refresh_from_db()
    assert english_patient.plan.safety_netting.startswith(STANDARD_ADVICE_EN)
    handout = client.get(reverse("care_episodes:handout", args=[english_patient.pk]))
    assert STANDARD_ADVICE_EN in text_of(handout)

    french_patient = EpisodeFactory(physiotherapist=physio, status=S.ASSESSED)
    speaks_french(french_patient.patient, monkeypatch)
    assert client.post(url(french_patient), {"safety_netting": shown}).status_code == 302
    french_patient.refresh_from_db()
    assert french_patient.plan.safety_netting.startswith(STANDARD_ADVICE_EN)  # still the standard
    handout = text_of(client.get(reverse("care_episodes:handout", args=[french_patient.pk])))
    assert STANDARD_ADVICE_FR in handout and "Go to the Emergency" not in handout

    own = "Call us if the pain moves into your leg."
    assert client.post(url(french_patient), {"safety_netting": own}).status_code == 302
    french_patient.plan.refresh_from_db()
    assert french_patient.plan.safety_netting == own
