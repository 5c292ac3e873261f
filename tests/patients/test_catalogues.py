"""The committed .mo files are the compiled .po files (tools/compile_messages.py, polib)."""

import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_committed_mo_files_are_up_to_date():
    result = subprocess.run(
        [sys.executable, "tools/compile_messages.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_patient_page_string_has_a_french_translation():
    po = polib.pofile(str(ROOT / "patients/locale/fr/LC_MESSAGES/django.po"))
    assert len(po) > 50
    assert not po.untranslated_entries() and not po.fuzzy_entries()
