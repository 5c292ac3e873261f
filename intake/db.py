"""Database functions used by intake queries (defined by migration 0004)."""

from django.db import models


class Fold(models.Func):
    """intake_fold(text): lower case, accents removed; IMMUTABLE, so the search indexes can use it."""

    function = "intake_fold"
    output_field = models.TextField()


class PhoneDigits(models.Func):
    """The digits of a phone number, as indexed for search."""

    function = "regexp_replace"
    template = "%(function)s(%(expressions)s, '\\D', '', 'g')"
    output_field = models.TextField()


class FoldedName(models.Func):
    """intake_fold(first_name || ' ' || last_name): exactly the expression of the trigram index."""

    function = "intake_fold"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()


class Similarity(models.Func):
    """pg_trgm's similarity(a, b): the share of trigrams the two texts have in common, 0 to 1."""

    function = "similarity"
    output_field = models.FloatField()


class TrigramDistance(models.Func):
    """pg_trgm's a <-> b (1 - similarity): a GiST `gist_trgm_ops` index returns rows in this order
    (nearest first), so ORDER BY it with a LIMIT reads about LIMIT rows, however many match."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = models.FloatField()
