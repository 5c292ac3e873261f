"""Check DEMO_PASSWORD against the password validators (`make run` calls it before starting anything)."""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from demo.accounts import password_problems


class Command(BaseCommand):
    help = "Exit 1 with the reasons when DEMO_PASSWORD would not pass the password validators."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = password_problems(os.environ.get("DEMO_PASSWORD", ""))
        if problems:
            raise CommandError(
                "DEMO_PASSWORD is refused: "
                + " ".join(problems)
                + " Choose another, e.g. DEMO_PASSWORD='a-long-pass-phrase-2026' make run."
            )
