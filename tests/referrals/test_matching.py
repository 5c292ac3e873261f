"""Matching: suitable destinations ranked by distance (computed in SQL), then next available,
then name."""

from datetime import date

import pytest

from referrals import rules
from referrals.selectors import Location, locate, match_destinations
from tests.referrals.factories import DestinationFactory, PostalCodeFactory

pytestmark = pytest.mark.django_db

KINGSTON = Location("K7L", 44.231, -76.495, False)  # downtown
# Points west of downtown Kingston along the 401, roughly.
NEAR = (44.235, -76.52)  # ~2 km
MIDDLE = (44.25, -76.95)  # Napanee, ~36 km
FAR = (44.17, -77.38)  # Belleville, ~70 km


def at(point, **kwargs):
    return DestinationFactory(latitude=point[0], longitude=point[1], **kwargs)


def names(destinations):
    return [d.name for d in destinations]


def test_nearest_comes_first_and_distance_is_returned_in_km():
    far = at(FAR, name="Belleville")
    near = at(NEAR, name="Near")
    middle = at(MIDDLE, name="Napanee")
    result = match_destinations(kind=rules.COMMUNITY_PHYSIO, location=KINGSTON)
    assert names(result) == [near.name, middle.name, far.name]
    assert 1 < result[0].distance_km < 3
    assert 65 < result[2].distance_km < 75


def test_destinations_not_accepting_or_without_slots_or_of_another_kind_are_left_out():
    at(NEAR, name="Closed", accepting=False)
    at(NEAR, name="Full", slots=0)
    at(NEAR, name="Imaging", kind=rules.IMAGING)
    open_one = at(FAR, name="Open")
    result = match_destinations(kind=rules.COMMUNITY_PHYSIO, location=KINGSTON)
    assert names(result) == [open_one.name]


def test_a_rapid_access_clinic_is_offered_only_when_the_patient_is_eligible():
    at(NEAR, name="RAC", kind=rules.RAC_LBP, eligibility_program="rac_lbp")
    assert match_destinations(kind=rules.RAC_LBP, location=KINGSTON, eligible_programs=[]) == []
    assert names(
        match_destinations(kind=rules.RAC_LBP, location=KINGSTON, eligible_programs=["rac_lbp"])
    ) == ["RAC"]


def test_at_the_same_distance_the_sooner_available_wins_then_the_name():
    at(NEAR, name="Zeta later", next_available_on=date(2026, 7, 1))
    at(NEAR, name="Beta soon", next_available_on=date(2026, 6, 1))
    at(NEAR, name="Alpha soon", next_available_on=date(2026, 6, 1))
    at(NEAR, name="Unknown date", next_available_on=None)
    result = match_destinations(kind=rules.COMMUNITY_PHYSIO, location=KINGSTON)
    assert names(result) == ["Alpha soon", "Beta soon", "Zeta later", "Unknown date"]


def test_the_number_of_matches_is_limited():
    for n in range(8):
        at(NEAR, name=f"Clinic {n}")
    assert len(match_destinations(kind=rules.COMMUNITY_PHYSIO, location=KINGSTON, limit=3)) == 3


def test_matching_from_a_work_address_reranks():
    at(NEAR, name="Kingston clinic")
    at(FAR, name="Belleville clinic")
    belleville = Location("K8N", FAR[0], FAR[1], False)
    result = match_destinations(kind=rules.COMMUNITY_PHYSIO, location=belleville)
    assert names(result) == ["Belleville clinic", "Kingston clinic"]


def test_language_and_provider_gender_preferences_filter_the_matches():
    at(NEAR, name="English only", languages=["English"], provider_genders=["male"])
    at(FAR, name="Bilingual", languages=["English", "French"], provider_genders=["female"])
    french = match_destinations(kind=rules.COMMUNITY_PHYSIO, location=KINGSTON, language="french")
    assert names(french) == ["Bilingual"]
    male = match_destinations(
        kind=rules.COMMUNITY_PHYSIO, location=KINGSTON, provider_gender="male"
    )
    assert names(male) == ["English only"]


def test_matching_is_one_query_whatever_the_number_of_destinations(django_assert_num_queries):
    for n in range(30):
        at((44.0 + n / 100, -76.5), name=f"Clinic {n:02d}")
    with django_assert_num_queries(1):
        result = match_destinations(kind=rules.COMMUNITY_PHYSIO, location=KINGSTON)
    assert len(result) == 5


def test_a_full_postal_code_is_located_precisely_and_an_unknown_one_falls_back_to_its_fsa():
    PostalCodeFactory(code="K7L", latitude=44.23, longitude=-76.49)
    PostalCodeFactory(code="K7L3N6", latitude=44.225, longitude=-76.5)
    precise = locate("k7l 3n6")
    assert (precise.latitude, precise.precise) == (44.225, True)
    fallback = locate("K7L 9Z9")
    assert (fallback.latitude, fallback.precise) == (44.23, False)
    assert locate("H2X 1Y4") is None
    assert locate("not a code") is None
