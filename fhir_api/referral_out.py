"""Our referrals out, seen from the partner that receives them: the letter's PDF, and status updates
(accepted, declined, appointment booked, seen) through referrals.services.move_referral, which
records each as a referral event.

A status update is a JSON Patch (RFC 6902) of one `replace`, either of our progress extension
(`/extension/0/valueCode`: accepted, declined, appointment_booked, seen) or of the FHIR `/status`
(`revoked`: declined; `completed`: seen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from fhir_api import resources as fhir
from fhir_api import search
from fhir_api.auth import ApiError, Client, not_found, require
from fhir_api.models import REFERRAL_STATUS
from referrals import letters, services
from referrals import rules as referral_rules
from referrals.models import Referral

Json = fhir.Json

# What the receiving partner may say about a referral we sent.
PARTNER_MOVES = {
    referral_rules.ACCEPTED,
    referral_rules.DECLINED,
    referral_rules.APPOINTMENT_BOOKED,
    referral_rules.SEEN,
}
FROM_FHIR_STATUS = {"revoked": referral_rules.DECLINED, "completed": referral_rules.SEEN}
PATHS = ("/extension/0/valueCode", "/status")


def letter_html(referral: Referral) -> str:
    return letters.letter_pdf_html(referral)


def _target_status(patch: Any) -> str:
    operations = (
        patch
        if isinstance(patch, list)
        else patch.get("patch")
        if isinstance(patch, dict)
        else None
    )
    if (
        not isinstance(operations, list)
        or len(operations) != 1
        or not isinstance(operations[0], dict)
    ):
        raise ApiError(
            400,
            [
                (
                    "",
                    "Send a JSON Patch of one operation: "
                    '[{"op": "replace", "path": "/extension/0/valueCode", "value": "accepted"}].',
                )
            ],
        )
    operation = operations[0]
    if operation.get("op") != "replace" or operation.get("path") not in PATHS:
        raise ApiError(
            400,
            [("", f"Only 'replace' of {' or '.join(PATHS)} is supported.")],
            "not-supported",
        )
    value = operation.get("value")
    if operation["path"] == "/status":
        status = FROM_FHIR_STATUS.get(str(value))
        if status is None:
            raise ApiError(
                422,
                [
                    (
                        "ServiceRequest.status",
                        f"'{value}' cannot be set; use revoked (declined) or completed (seen).",
                    )
                ],
                "code-invalid",
            )
        return status
    if value not in PARTNER_MOVES:
        allowed = ", ".join(sorted(PARTNER_MOVES))
        raise ApiError(
            422,
            [("ServiceRequest.extension", f"'{value}' is not one of: {allowed}.")],
            "code-invalid",
        )
    return str(value)


def update_status(client: Client, id_: str, read_patch: Callable[[], Any]) -> tuple[Json, int]:
    """Move our referral `out-N` as its receiving partner says; the resource as it now is."""
    require(client, REFERRAL_STATUS)
    kind = search.KINDS["ServiceRequest"]
    source = kind.sources[1]
    pk = search.split_id(source, id_)
    partner = client.partner
    if pk is None or partner is None or partner.destination_id is None:
        raise not_found(f"ServiceRequest/{id_} (a referral sent to this partner)")
    referral = (
        Referral.objects.select_related("episode", "destination")
        .filter(pk=pk, destination_id=partner.destination_id)
        .exclude(status=referral_rules.DRAFT)
        .first()
    )
    if referral is None:
        raise not_found(f"ServiceRequest/{id_} (a referral sent to this partner)")
    to_status = _target_status(read_patch())
    try:
        with transaction.atomic():
            services.move_referral(
                referral, to_status, actor=client.actor, note=f"Updated by {client.name}"
            )
    except referral_rules.IllegalReferralMove as error:
        raise ApiError(409, [("ServiceRequest.status", str(error))], "business-rule") from error
    referral.refresh_from_db()
    return fhir.validated(fhir.outgoing_referral(referral)), referral.episode.patient_id
