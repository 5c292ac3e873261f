"""Generate demo data (Faker, never real patients). Safe to run twice: nothing is added twice."""

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import care_episodes, intake, referrals, reminders, triage
from demo.accounts import DEMO_USERS, reset_demo_accounts
from demo.volume import seed_volume
from reporting import rollups

# One module per app with demo data, each with `seed(patients=..., stdout=...)`, in this order.
SEEDERS = [intake, care_episodes, triage, referrals, reminders]


class Command(BaseCommand):
    help = "Create demo accounts (demo mode only) and generated demo data for every app."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--patients", type=int, default=300, help="how many demo patients")
        parser.add_argument("--no-accounts", action="store_true", help="data only, no accounts")
        parser.add_argument(
            "--volume-episodes", type=int, default=0, help="extra episodes for dashboard-scale data"
        )
        parser.add_argument(
            "--volume-appointments", type=int, default=0, help="appointments for those episodes"
        )

    def handle(self, *args: Any, patients: int, no_accounts: bool, **options: Any) -> None:
        volume_episodes, volume_appointments = (
            options["volume_episodes"],
            options["volume_appointments"],
        )
        if volume_episodes < 0 or volume_appointments < 0:
            raise CommandError("--volume-episodes and --volume-appointments must be zero or more")
        if patients < 0:
            raise CommandError("--patients must be zero or more")
        if not no_accounts:
            if not settings.DEMO_MODE:
                raise CommandError("Demo accounts exist only in demo mode (DEMO_MODE=1).")
            password = os.environ.get("DEMO_PASSWORD", "")
            if not password:
                raise CommandError("Set DEMO_PASSWORD to create the demo accounts.")
            try:
                reset_demo_accounts(password)
            except ValueError as weak:
                raise CommandError(f"DEMO_PASSWORD is refused: {weak}") from weak
            self.stdout.write(
                "Demo accounts (password set to DEMO_PASSWORD, lockouts cleared): "
                + ", ".join(u for u, *_ in DEMO_USERS)
            )
        for module in SEEDERS:
            module.seed(patients=patients, stdout=self.stdout)
        if volume_episodes:
            try:
                seed_volume(volume_episodes, volume_appointments, stdout=self.stdout)
            except ValueError as error:
                raise CommandError(str(error)) from error
        # Set-wise loads mark every day they touch; one rebuild is quicker than refreshing them all.
        rollups.rebuild()
        self.stdout.write("Dashboard rollups rebuilt.")
