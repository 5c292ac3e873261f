"""Demo and benchmark data (Faker, never real patients) and the seed_demo command. The top floor:
it may import every app, and no app imports it."""
