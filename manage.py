#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import shlex
import sys

# Commands that touch neither the database nor Redis, so they run without DATABASE_URL / REDIS_URL.
NEEDS_NO_SERVICES = {"help", "version", "check", "diffsettings", "check_demo_password"}


def needs_services(argv: list[str]) -> bool:
    command = argv[1] if len(argv) > 1 else "help"
    if command.startswith("-"):  # --help, --version
        return False
    return command not in NEEDS_NO_SERVICES or "--database" in argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
    from lbp_pathway.devstack import how_to_start, missing_services

    if missing_services() and needs_services(sys.argv):
        command = shlex.join(["python", "manage.py", *sys.argv[1:]])
        print(how_to_start(command), file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
