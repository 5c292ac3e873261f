"""`manage.py fhir_export --to DIR`: every resource type as an NDJSON file (FHIR bulk data format,
one resource per line), for analytics and migration. Reads in pages of a fixed size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fhir_api import resources as fhir
from fhir_api import search
from lbp_pathway import audit
from lbp_pathway.models import AuditEvent

BATCH = 500


class Command(BaseCommand):
    help = "Write every FHIR resource type as NDJSON files (<Type>.ndjson) into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, help="Directory to write the files into.")
        parser.add_argument(
            "--types",
            default="",
            help="Comma-separated resource types (default: all but AuditEvent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["to"])
        target.mkdir(parents=True, exist_ok=True)
        wanted = [name for name in options["types"].split(",") if name] or [
            name for name in search.KINDS if name != "AuditEvent"
        ]
        unknown = [name for name in wanted if name not in search.KINDS]
        if unknown:
            self.stderr.write(f"Unknown resource type(s): {', '.join(unknown)}")
            raise SystemExit(2)
        for name in wanted:
            count = export(search.KINDS[name], target / f"{name}.ndjson")
            self.stdout.write(f"{name}: {count}")
        audit.record(
            audit.SYSTEM,
            AuditEvent.Action.PRINT,
            f"FHIR bulk export of {', '.join(wanted)}"[:200],
        )


def export(kind: search.Kind, path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for resource in kind.static() if kind.static else []:
            out.write(json.dumps(fhir.validated(resource), separators=(",", ":")) + "\n")
            count += 1
        for source in kind.sources:
            last = 0
            while True:
                batch = list(source.fetch(source.rows()).filter(pk__gt=last).order_by("pk")[:BATCH])
                if not batch:
                    break
                for record in batch:
                    resource = fhir.validated(source.to_fhir(record))
                    out.write(json.dumps(resource, separators=(",", ":")) + "\n")
                    count += 1
                last = batch[-1].pk
    return count
