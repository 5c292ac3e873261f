"""tools/messages.py finds every message of the code and templates and names those without French
(`make lint` runs `--check`; issue 16: "fails on an untranslated or fuzzy string")."""

import sys
from pathlib import Path

import polib
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import messages  # noqa: E402


@pytest.fixture
def project(tmp_path):
    app = tmp_path / "clinic"
    (app / "templates" / "clinic").mkdir(parents=True)
    (app / "apps.py").write_text("")
    (app / "templates" / "clinic" / "home.html").write_text(
        '{% load i18n %}\n<h1>{% translate "Today\'s patients" %}</h1>\n'
        "<p>{% blocktranslate trimmed with name=patient.name %}\n  Booked for {{ name }}\n"
        "{% endblocktranslate %}</p>\n"
        "<ul>\n    <li>\n  {% translate 'Indented out of step' %}</li>\n</ul>\n"
    )
    (app / "views.py").write_text(
        "from django.utils.translation import gettext as _, ngettext, pgettext\n\n"
        "def view(n):\n"
        "    return _('Saved.'), ngettext('%(n)s visit', '%(n)s visits', n), "
        "pgettext('button', 'Book')\n"
    )
    (app / "migrations").mkdir()
    (app / "migrations" / "0001.py").write_text(
        "from django.utils.translation import gettext\ngettext('never shown')\n"
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text("{% load i18n %}{% translate 'Sign out' %}")
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid="Today's patients", msgstr="Patients du jour"))
    catalogue.append(polib.POEntry(msgid="Saved.", msgstr="Enregistré.", flags=["fuzzy"]))
    path = messages.catalogue_path("clinic", tmp_path)
    path.parent.mkdir(parents=True)
    catalogue.save(str(path))
    return tmp_path


def test_each_message_without_french_is_named_with_its_place(project):
    found = {(m.context, m.msgid): m for m in messages.missing(project)}
    assert set(found) == {
        (None, "Booked for %(name)s"),
        (None, "Saved."),  # fuzzy: not a translation
        (None, "%(n)s visit"),
        ("button", "Book"),
        (None, "Sign out"),
        (None, "Indented out of step"),
    }
    assert found[(None, "%(n)s visit")].plural == "%(n)s visits"
    assert found[(None, "Saved.")].where() == "clinic/views.py:4"
    assert found[(None, "Booked for %(name)s")].where() == "clinic/templates/clinic/home.html:3"


def test_check_names_the_fuzzy_entry_and_the_missing_compiled_file(project):
    problems = messages.problems(project)
    assert "clinic/locale/fr/LC_MESSAGES/django.po: fuzzy entry 'Saved.'" in problems
    assert any("django.mo: missing or out of date" in line for line in problems)


def test_update_puts_each_message_in_its_apps_catalogue(project):
    assert messages.update(project) == 5  # "Saved." is there already, fuzzy
    clinic = polib.pofile(str(messages.catalogue_path("clinic", project)))
    assert clinic.find("Book", msgctxt="button").msgstr == ""
    assert clinic.find("%(n)s visit").msgid_plural == "%(n)s visits"
    project_wide = polib.pofile(str(messages.catalogue_path("lbp_pathway", project)))
    assert [entry.msgid for entry in project_wide] == ["Sign out"]


def test_check_names_a_message_two_apps_translate_differently(project):
    """Django merges the apps' catalogues and uses the first app's French everywhere: an episode's
    status "Booked" must not read as an appointment's, nor a count "Assessed" as a status."""
    (project / "rehab").mkdir()
    (project / "rehab" / "apps.py").write_text("")
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid="Today's patients", msgstr="Les patients d'aujourd'hui"))
    catalogue.append(polib.POEntry(msgid="Book", msgctxt="button", msgstr="Réserver"))
    path = messages.catalogue_path("rehab", project)
    path.parent.mkdir(parents=True)
    catalogue.save(str(path))
    clinic = polib.pofile(str(messages.catalogue_path("clinic", project)))
    clinic.append(polib.POEntry(msgid="Book", msgstr="Livre"))  # another context: no clash
    clinic.save()
    clashes = [line for line in messages.problems(project) if "translated differently" in line]
    assert clashes == [
        "\"Today's patients\" is translated differently: clinic 'Patients du jour', "
        "rehab \"Les patients d'aujourd'hui\" (agree on one, or give the uses a context)"
    ]
