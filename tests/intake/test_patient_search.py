"""Patient search at the front desk: what matches, in which order, and that every kind of query is
answered from an index of intake_patient rather than by reading the whole table (docs/search.md).
"""

import re
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from intake.models import Patient
from intake.selectors import (
    exact_surname_tier,
    first_name_prefix_tier,
    patient_search,
    search_patients,
    similar_name_tier,
    surname_prefix_tier,
)
from tests.factories import PatientFactory, UserFactory
from tests.intake.factories import health_card

pytestmark = pytest.mark.django_db


def names(patients) -> list[str]:
    return [f"{p.first_name} {p.last_name}" for p in patients]


def found(client, query: str) -> list[str]:
    return names(client.get(reverse("intake:patient_search"), {"q": query}).context["patients"])


@pytest.fixture
def levesques():
    """Four people called Lévesque in some way, and one who is not."""
    for first, last, born in [
        ("Levesque", "Roy", "1975-01-01"),  # Levesque only as a first name
        ("Jean", "Lévesque-Tremblay", "1980-04-02"),  # part of a double surname
        ("Eva", "Lévesque", "1990-09-09"),
        ("Marie-Josée", "Lévesque", "1966-06-06"),
        ("Ana", "Lévesque", "1980-04-02"),
        ("Marc", "Gagnon", "1980-04-02"),
    ]:
        PatientFactory(first_name=first, last_name=last, date_of_birth=born)


def test_exact_surname_then_surnames_starting_with_it_then_similar_names(
    client_for, front_desk, levesques
):
    # Spec (docs/search.md, changed for issue 13): the surname equal to the query (accents and case
    # aside) first, by first name; then surnames starting with the word; then other matches, the
    # most similar first.
    assert found(client_for(front_desk), "levesque") == [
        "Ana Lévesque",  # exact surname, by first name
        "Eva Lévesque",
        "Marie-Josée Lévesque",
        "Jean Lévesque-Tremblay",  # the surname starts with the word
        "Levesque Roy",  # only the first name matches
    ]


def test_a_birth_date_with_a_name_keeps_those_born_that_day(client_for, front_desk, levesques):
    # Spec: birth date and exact surname first. The name decides who matches (Marc Gagnon, born the
    # same day, is not a Lévesque); among the Lévesques born that day the exact surname comes first.
    response = client_for(front_desk).get(
        reverse("intake:patient_search"), {"q": "Lévesque 1980-04-02"}
    )
    assert names(response.context["patients"]) == ["Ana Lévesque", "Jean Lévesque-Tremblay"]
    assert b"was born on" not in response.content


def test_a_mistyped_birth_date_is_set_aside_and_said(client_for, front_desk, levesques):
    response = client_for(front_desk).get(
        reverse("intake:patient_search"), {"q": "Lévesque 1980-02-04"}
    )
    assert names(response.context["patients"]) == [
        "Ana Lévesque",
        "Eva Lévesque",
        "Marie-Josée Lévesque",
        "Jean Lévesque-Tremblay",
        "Levesque Roy",
    ]
    assert "Nobody matching the rest of the search was born on 1980-02-04" in (
        response.content.decode()
    )


def test_a_birth_date_alone_lists_only_people_born_that_day(client_for, front_desk, levesques):
    assert found(client_for(front_desk), "02/04/1980") == [
        "Marc Gagnon",
        "Ana Lévesque",
        "Jean Lévesque-Tremblay",
    ]


def test_a_surname_of_two_words_counts_as_exact(client_for, front_desk):
    PatientFactory(first_name="Silvana", last_name="Dasilva")
    PatientFactory(first_name="Maria", last_name="da Silva")
    # Alphabetically Dasilva would come first; the exact surname "da silva" goes before it.
    assert found(client_for(front_desk), "da silva") == ["Maria da Silva", "Silvana Dasilva"]


def test_a_short_word_matches_the_start_of_a_name_only(client_for, front_desk):
    for first, last in [("Ali", "Khan"), ("Lina", "Roy"), ("Wei", "Li"), ("Éli", "Nadeau")]:
        PatientFactory(first_name=first, last_name=last)
    client = client_for(front_desk)
    assert found(client, "li") == ["Wei Li", "Lina Roy"]  # not Ali, not Éli
    assert found(client, "él") == ["Éli Nadeau"]
    assert found(client, "e nadeau") == ["Éli Nadeau"]


def test_a_health_card_prefix_finds_the_card_and_the_exact_card_comes_first(client_for, front_desk):
    card = health_card("123456789")
    PatientFactory(first_name="Zoé", last_name="Zappa", health_card_number=card)
    # Her phone number happens to hold the same ten digits: found too, but after the card holder.
    PatientFactory(first_name="Ana", last_name="Abbott", phone=f"{card[:3]}-{card[3:6]}-{card[6:]}")
    # The six digits inside a card, not at its start: not a match.
    PatientFactory(first_name="Bob", last_name="Brown", health_card_number=health_card("991234567"))
    client = client_for(front_desk)
    assert found(client, card) == ["Zoé Zappa", "Ana Abbott"]  # not alphabetical: the card first
    # A prefix: the card and the phone both hold it, so alphabetical; Bob's card only inside.
    assert found(client, "123456") == ["Ana Abbott", "Zoé Zappa"]
    assert found(client, "1234 56") == ["Ana Abbott", "Zoé Zappa"]
    assert found(client, "99123") == ["Bob Brown"]


def test_a_phone_fragment_matches_the_digits_whatever_the_punctuation(client_for, front_desk):
    PatientFactory(first_name="Ana", last_name="Roy", phone="(613) 555-0199")
    PatientFactory(first_name="Bea", last_name="Roy", phone="343.555.0199 ext 2")
    PatientFactory(first_name="Cy", last_name="Roy", phone="613-555-0100")
    client = client_for(front_desk)
    assert found(client, "555-0199") == ["Ana Roy", "Bea Roy"]
    assert found(client, "(613) 555") == ["Ana Roy", "Cy Roy"]
    assert found(client, "roy 0100") == ["Cy Roy"]


@pytest.mark.parametrize("query", ["", "   ", "%", "_", "\\", "'; drop table intake_patient; --"])
def test_odd_input_finds_nothing_and_fails_nothing(client_for, front_desk, query):
    PatientFactory(first_name="Ana", last_name="Roy")
    response = client_for(front_desk).get(reverse("intake:patient_search"), {"q": query})
    assert response.status_code == 200
    assert list(response.context["patients"]) == []


def test_the_limit_is_kept_and_said(client_for, front_desk):
    PatientFactory.create_batch(4, last_name="Roy")
    assert len(search_patients("roy", limit=3)) == 3
    html = client_for(front_desk).get(reverse("intake:patient_search"), {"q": "roy"})
    assert len(html.context["patients"]) == 4


def test_a_common_surname_lists_its_holders_by_first_name_then_similar_names(
    client_for, front_desk
):
    # Spec (docs/search.md): the exact surname first, in first-name order with accents and case
    # aside; then surnames starting with the word; then first names starting with it; then the
    # other matches, most similar first (not alphabetical: Zed before Abbot).
    for first, last in [
        ("Zed-Tremblay", "Zed"),
        ("Zoé", "Tremblay"),
        ("Anne-Tremblay", "Abbot"),
        ("émile", "Tremblay"),
        ("Tremblay", "Zed"),
        ("Bob", "TREMBLAY"),
        ("Luc", "Tremblay-Roy"),
    ]:
        PatientFactory(first_name=first, last_name=last)
    assert found(client_for(front_desk), "tremblay") == [
        "Bob TREMBLAY",
        "émile Tremblay",
        "Zoé Tremblay",
        "Luc Tremblay-Roy",
        "Tremblay Zed",
        "Zed-Tremblay Zed",
        "Anne-Tremblay Abbot",
    ]
    # Cut at the limit inside the exact-surname tier: the first holders by first name.
    assert names(search_patients("tremblay", limit=2)) == ["Bob TREMBLAY", "émile Tremblay"]
    # The start of a surname: surnames starting with it, by surname then first name.
    assert found(client_for(front_desk), "TREM")[:4] == [
        "Bob TREMBLAY",
        "émile Tremblay",
        "Zoé Tremblay",
        "Luc Tremblay-Roy",
    ]


def test_a_list_cut_at_fifty_shows_the_first_fifty_by_first_name_and_says_so(
    client_for, front_desk
):
    for i in reversed(range(55)):
        PatientFactory(first_name=f"Ann{i:02d}", last_name="Tremblay")
    PatientFactory(first_name="Tremblay", last_name="Zed")  # not the surname: after all 55
    response = client_for(front_desk).get(reverse("intake:patient_search"), {"q": "Tremblay"})
    assert names(response.context["patients"]) == [f"Ann{i:02d} Tremblay" for i in range(50)]
    assert "50 patients found (only the first 50 are shown: add a first name" in (
        response.content.decode()
    )


def test_a_physician_search_keeps_to_the_panel_before_the_limit(physician):
    other = UserFactory(username="md2")
    PatientFactory(first_name="Ana", last_name="Roy", family_physician=other)
    mine = PatientFactory(first_name="Zoé", last_name="Roy", family_physician=physician)
    assert search_patients("roy", limit=1, physician=physician) == [mine]


# Index use ----------------------------------------------------------------------------------------

BIG = 2_000


@pytest.fixture
def many_patients():
    """BIG patients of varied names, phones, cards and birth dates, fresh planner statistics, and
    reading the whole table priced out for the rest of the test's transaction.

    Why settings rather than a table big enough: with 30,000 rows the planner still read the whole
    table for the phone and card queries in one run of two (a near tie in its costs), and inserting
    that many rows with their trigram indexes took about half a minute on the shared test machine,
    for every query checked. enable_seqscan = off alone is not enough: the planner then walks a
    whole unrelated b-tree (the family physician's) instead, which is a table read by another name;
    so plain index scans are priced out too and bitmap scans, which need a condition an index can
    answer, stay. These settings forbid nothing, they add a huge cost: when no index serves the
    condition the plan still reads the table (the control test below). That is the property under
    test; at 1M patients the planner picks these indexes on its own (docs/search.md).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO intake_patient (first_name, last_name, date_of_birth, sex, gender,
                health_card_number, health_card_version, phone, email, postal_code,
                preferred_language, consent_email_reminders, consent_sms_reminders,
                booking_hold, created_at)
            SELECT initcap(substr(md5(i::text), 1, 6)), initcap(substr(md5(i::text), 7, 9)),
                date '1940-01-01' + mod(i * 7919, 25000), 'U', '',
                lpad((i::bigint * 104729)::text, 10, '0'), '',
                '613-' || lpad(mod(i, 1000)::text, 3, '0') || '-' || lpad(mod(i, 10000)::text, 4, '0'),
                '', '', 'English', false, false, '', now()
            FROM generate_series(1, %s) AS i
            """,
            [BIG],
        )
        cursor.execute("ANALYZE intake_patient")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    PatientFactory(
        first_name="Ana",
        last_name="Lévesque",
        date_of_birth=date(1980, 4, 2),
        health_card_number=health_card("987654321"),
        phone="819-555-0199",
    )


# Which index answers each kind of query (migration 0004 and the Patient model).
NAME = "intake_patient_name_trgm"
PHONE = "intake_patient_phone_trgm"
CARD = "intake_patient_health_card_number_fe2a7e36_like"
BORN = "intake_pati_date_of_c5aae3_idx"
INDEXES = {NAME, PHONE, CARD, BORN}


@pytest.mark.parametrize(
    ("query", "indexes"),  # the indexes the plan may use (at least one)
    [
        ("levesque", {NAME}),
        ("Lévesque 1980-04-02", {NAME, BORN}),
        ("ana levesque", {NAME}),
        ("le", {NAME}),
        ("987654", {CARD, PHONE}),
        ("819 555-0199", {CARD, PHONE}),
        ("1980-04-02", {BORN}),
    ],
)
def test_every_kind_of_search_reads_an_index_not_the_table(many_patients, query, indexes):
    plan = patient_search(query)[:50].explain()
    assert "Seq Scan on intake_patient" not in plan, plan
    used = {index for index in INDEXES if f"Bitmap Index Scan on {index}" in plan}
    assert used and used <= indexes, plan
    assert "Ana Lévesque" in names(search_patients(query))


def test_the_index_check_catches_a_condition_no_index_serves(many_patients):
    # The control for the test above: the raw phone column has no index (only its digits have a
    # trigram index), so even with table reads priced out this plan reads the table.
    plan = Patient.objects.filter(phone__contains="0199").explain()
    assert "Seq Scan on intake_patient" in plan, plan


@pytest.fixture
def common_surname():
    """BIG patients, half of them Tremblays of varied first names, a quarter Maries of varied
    surnames, and fresh planner statistics; no
    planner settings: with this share of namesakes the planner picks the bounded plans on its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO intake_patient (first_name, last_name, date_of_birth, sex, gender,
                health_card_number, health_card_version, phone, email, postal_code,
                preferred_language, consent_email_reminders, consent_sms_reminders,
                booking_hold, created_at)
            SELECT CASE WHEN mod(i, 4) = 1 THEN 'Marie' ELSE initcap(substr(md5(i::text), 1, 6)) END,
                CASE WHEN mod(i, 2) = 0 THEN 'Tremblay' ELSE initcap(substr(md5(i::text), 7, 9)) END,
                date '1940-01-01' + mod(i * 7919, 25000), 'U', '',
                lpad((i::bigint * 104729)::text, 10, '0'), '', '613-555-0100',
                '', '', 'English', false, false, '', now()
            FROM generate_series(1, %s) AS i
            """,
            [BIG],
        )
        cursor.execute("ANALYZE intake_patient")


def sorts_every_match(plan: str) -> bool:
    """A Sort node (not an Incremental Sort, which sorts only rows tied on the index order)."""
    return re.search(r"^\s*(->\s+)?Sort\s+\(", plan, re.MULTILINE) is not None


def test_a_common_surname_reads_the_first_fifty_in_index_order_not_every_namesake(common_surname):
    # docs/search.md: the work is bounded by the limit. A Limit directly over the ordered b-tree
    # scan, no Sort of the 1,000 Tremblays.
    plan = exact_surname_tier("tremblay")[:50].explain()
    first_nodes = [line.strip().lstrip("-> ") for line in plan.splitlines()[:3]]
    assert first_nodes[0].startswith("Limit"), plan
    assert "Index Scan using intake_patient_fold_names" in plan, plan
    assert not sorts_every_match(plan), plan
    assert len(exact_surname_tier("tremblay")[:50]) == 50


@pytest.mark.parametrize(
    ("tier", "query", "index"),
    [
        # 1,000 Tremblays. At this size the planner may walk (fold(last_name), date_of_birth)
        # instead, sorting within each surname; at 1M rows it took fold_names (docs/search.md).
        (surname_prefix_tier, "trem", {"intake_patient_fold_names", "intake_patient_fold_dob"}),
        (first_name_prefix_tier, "mari", {"intake_patient_fold_first_names"}),  # 500 Maries
    ],
)
def test_a_name_start_reads_the_first_fifty_of_its_range_in_index_order(
    common_surname, tier, query, index
):
    plan = tier(query)[:50].explain()
    assert plan.splitlines()[0].startswith("Limit"), plan
    assert any(f"Index Scan using {name}" in plan for name in index), plan
    assert not sorts_every_match(plan), plan
    assert len(tier(query)[:50]) == 50


def test_similar_names_are_read_nearest_first_from_the_gist_index(common_surname):
    # The top-up tier: the GiST trigram index returns rows by distance (Order By ... <->), so the
    # Limit stops it after 50 rows; a Sort would mean every match was read first.
    plan = similar_name_tier("rembl")[:50].explain()
    assert plan.splitlines()[0].startswith("Limit"), plan
    assert "Index Scan using intake_patient_name_gist" in plan, plan
    assert "Order By" in plan, plan
    assert not sorts_every_match(plan), plan
    assert len(similar_name_tier("rembl")[:50]) == 50


def test_the_sort_check_catches_an_order_no_index_gives(common_surname):
    # The control for the two tests above: ordering the same matches by phone number (no index
    # in that order) sorts every match.
    plan = exact_surname_tier("tremblay").order_by("phone")[:50].explain()
    assert sorts_every_match(plan), plan
