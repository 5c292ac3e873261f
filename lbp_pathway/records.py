"""What the foundation needs of the patient and episode models. They live on higher floors
(intake.Patient, care_episodes.Episode) that lbp_pathway may not import, not even for typing; these
Protocols name the few attributes the access rules and the audit log read."""

from __future__ import annotations

from typing import Protocol


class PatientRecord(Protocol):
    """intake.Patient, as the access rules see it."""

    @property
    def pk(self) -> int: ...

    @property
    def family_physician_id(self) -> int | None: ...


class EpisodeRecord(Protocol):
    """care_episodes.Episode, as the access rules see it."""

    @property
    def pk(self) -> int: ...

    @property
    def patient_id(self) -> int: ...

    @property
    def patient(self) -> PatientRecord: ...

    @property
    def physiotherapist_id(self) -> int | None: ...

    @property
    def site_id(self) -> int | None: ...
