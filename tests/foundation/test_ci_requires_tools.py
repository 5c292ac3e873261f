"""Under CI a missing tool (Chromium, docker-compose) fails the run; on a developer's machine the test
that needs it is skipped with the command that installs it."""

from pathlib import Path

import pytest

from tests.conftest import require_tool, running_in_ci


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", " on "])
def test_ci_is_recognised_from_the_values_ci_services_set(value):
    assert running_in_ci({"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_without_ci_the_run_is_local(environ):
    assert not running_in_ci(environ)


def test_a_missing_tool_fails_the_test_under_ci():
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed.*CI=true"):
        require_tool(False, "Debian's Chromium", "apt-get install chromium", {"CI": "true"})


def test_a_missing_tool_skips_the_test_locally_and_says_how_to_install_it():
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install chromium.*skipped"):
        require_tool(False, "Debian's Chromium", "apt-get install chromium", {})


@pytest.mark.parametrize("environ", [{}, {"CI": "true"}])
def test_a_present_tool_lets_the_test_run(environ):
    assert require_tool(True, "Debian's Chromium", "apt-get install chromium", environ) is None


def test_the_ci_script_exports_ci_and_stops_when_chromium_cannot_be_installed():

    script = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "export CI=true" in script
    assert "will be skipped" not in script
    assert "exit 1" in script
