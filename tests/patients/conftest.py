import pytest
from django.core.cache import cache

from patients.questions import EMERGENCY_QUESTIONS, URGENT_QUESTIONS


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Each test starts with the test client's address unused (the counter lives in Redis)."""
    for address in ("127.0.0.1", "unknown"):
        cache.delete(f"patients:selfref:{address}")
    yield


def answers(*, emergency=(), urgent=(), **extra):
    """A complete self-referral as the form posts it; every safety question answered."""
    data = {
        "description": "Low back pain for three weeks after gardening, worse when sitting.",
        "back_pain_main_reason": "yes",
        "first_name": "Alex",
        "last_name": "Tremblay",
        "date_of_birth": "1978-05-14",
        "postal_code": "k7l3n6",
        "phone": "(613) 555-0199",
        "email": "",
        "website": "",
    }
    for code in EMERGENCY_QUESTIONS:
        data[f"flag_{code}"] = "yes" if code in emergency else "no"
    for code in URGENT_QUESTIONS:
        data[f"flag_{code}"] = "yes" if code in urgent else "no"
    data.update(extra)
    return data
