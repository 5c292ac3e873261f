import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.triage.factories import TriageEpisodeFactory
from triage.instrument import PARAPHRASE_NOTICE
from triage.models import InstrumentText

pytestmark = pytest.mark.django_db

OFFICIAL = {
    "items": [f"Official statement number {n}" for n in range(1, 10)],
    "item9_options": ["Opt A", "Opt B", "Opt C", "Opt D", "Opt E"],
    "copyright_notice": "(c) Keele University test notice",
}


def write(tmp_path, data):
    path = tmp_path / "wording.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_loaded_official_wording_replaces_the_paraphrase_with_its_notice(
    tmp_path, physio, client_for
):
    call_command("load_instrument_text", write(tmp_path, OFFICIAL))
    episode = TriageEpisodeFactory(physiotherapist=physio)
    html = client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk]))
    html = html.content.decode()
    assert "7. Official statement number 7" in html
    assert "Opt D" in html
    assert "(c) Keele University test notice" in html
    assert PARAPHRASE_NOTICE not in html


def test_loading_twice_keeps_one_wording(tmp_path):
    call_command("load_instrument_text", write(tmp_path, OFFICIAL))
    call_command("load_instrument_text", write(tmp_path, {**OFFICIAL, "copyright_notice": "newer"}))
    assert list(InstrumentText.objects.values_list("copyright_notice", flat=True)) == ["newer"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"items": OFFICIAL["items"][:8]}, "'items' must have exactly 9 entries, got 8"),
        ({"items": [*OFFICIAL["items"], "a tenth"]}, "exactly 9 entries, got 10"),
        ({"items": [*OFFICIAL["items"][:8], " "]}, "'items' entry 9 must be non-empty text"),
        ({"item9_options": ["a", "b"]}, "'item9_options' must have exactly 5 entries"),
        ({"copyright_notice": ""}, "'copyright_notice' must be non-empty"),
        ({"extra": 1}, "unknown key(s): extra"),
    ],
)
def test_a_malformed_wording_file_is_refused_with_a_clear_error(tmp_path, change, message):
    with pytest.raises(CommandError) as error:
        call_command("load_instrument_text", write(tmp_path, {**OFFICIAL, **change}))
    assert message in str(error.value)
    assert not InstrumentText.objects.exists()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "wording.json"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_instrument_text", str(path))


def test_without_official_wording_the_paraphrase_is_labelled(physio, client_for):
    episode = TriageEpisodeFactory(physiotherapist=physio)
    html = client_for(physio).get(reverse("triage:episode_triage", args=[episode.pk]))
    assert PARAPHRASE_NOTICE in html.content.decode()
