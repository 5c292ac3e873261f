from django.db import migrations

# Reference data: a starter exercise library for low back pain. Clinics edit it in the admin.
EXERCISES = [
    ("Knee rocking", "Gentle movement to ease stiffness", 1, "10 each side", "2-3 times a day",
     "Widen the range as it eases.",
     "Lie on your back with knees bent. Let both knees roll slowly to one side, then the other, as far as is comfortable."),
    ("Knees to chest", "Stretch the lower back", 3, "hold 20 s", "twice a day",
     "Hold longer, up to 30 seconds.",
     "Lie on your back. Bring one knee, then both, towards your chest with your hands. Breathe slowly."),
    ("Pelvic tilt", "Control and move the lower back", 2, "10", "twice a day",
     "Do it sitting, then standing.",
     "Lie on your back, knees bent. Flatten your back into the floor by tightening your tummy, then relax."),
    ("Bridge", "Strengthen buttocks and back", 3, "10", "once a day",
     "Hold 5 seconds at the top; then single-leg bridge.",
     "Lie on your back, knees bent. Squeeze your buttocks and lift your hips until your body is straight. Lower slowly."),
    ("Cat-camel", "Mobilise the whole spine", 2, "10", "twice a day",
     "Move a little further each day.",
     "On hands and knees, slowly round your back up like a cat, then let it sag gently. Keep it smooth."),
    ("Child's pose", "Stretch the back and hips", 3, "hold 20 s", "twice a day",
     "Walk your hands further forward.",
     "Kneel, sit back on your heels and reach your arms forward along the floor. Relax your back."),
    ("Press-up (prone extension)", "Ease back and leg pain that centralises", 1, "10", "every 2-3 hours",
     "Full arm straightening as tolerated.",
     "Lie on your front, hands under your shoulders. Push your upper body up, keeping your hips on the floor. Stop if leg pain spreads further down."),
    ("Bird dog", "Trunk control and strength", 3, "8 each side", "once a day",
     "Hold 5 seconds; add a slow reach.",
     "On hands and knees, stretch one arm forward and the opposite leg back, keeping your back level. Swap sides."),
    ("Side plank on knees", "Strengthen the side of the trunk", 3, "hold 15 s", "once a day",
     "Progress to full side plank on the feet.",
     "Lie on your side propped on your elbow, knees bent. Lift your hips so your body is straight from head to knees."),
    ("Sit to stand", "Leg strength for daily activity", 3, "10", "once a day",
     "Use a lower chair, or hold a weight.",
     "Sit near the front of a chair. Lean forward and stand up without using your hands, then sit down slowly."),
    ("Walking programme", "Build general activity and confidence", 1, "10 minutes", "daily",
     "Add 2-5 minutes every few days, up to 30 minutes.",
     "Walk at a comfortable pace on level ground. A little discomfort is fine; ease back if pain lasts more than a couple of hours afterwards."),
    ("Hamstring stretch", "Ease tight back of the thigh", 3, "hold 30 s", "twice a day",
     "Lean a little further forward keeping your back straight.",
     "Sit on the edge of a chair with one leg straight, heel on the floor. Lean forward from the hips until you feel a stretch."),
    ("Hip flexor stretch", "Stretch the front of the hip", 3, "hold 30 s", "twice a day",
     "Raise the arm on the stretching side.",
     "Kneel on one knee, other foot forward. Tuck your tailbone under and shift forward until you feel a stretch at the front of the hip."),
    ("Sciatic nerve glide", "Ease leg symptoms by moving the nerve gently", 2, "10", "twice a day",
     "Increase the range only if symptoms settle.",
     "Sit tall. Straighten one knee while tipping your head back, then bend the knee while looking down. Move gently; it should not increase pain."),
    ("Diaphragmatic breathing", "Relax and reduce muscle guarding", 1, "5 minutes", "twice a day",
     "Use it during flare-ups and before sleep.",
     "Lie or sit comfortably, one hand on your tummy. Breathe in slowly through your nose so your tummy rises; breathe out slowly."),
]


def seed(apps, schema_editor):
    Exercise = apps.get_model("care_episodes", "Exercise")
    for name, purpose, sets, reps, frequency, progression, instructions in EXERCISES:
        Exercise.objects.get_or_create(
            name=name,
            defaults=dict(purpose=purpose, sets=sets, reps=reps, frequency=frequency,
                          progression=progression, instructions=instructions),
        )


def unseed(apps, schema_editor):
    apps.get_model("care_episodes", "Exercise").objects.filter(
        name__in=[row[0] for row in EXERCISES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("care_episodes", "0004_signed_note_immutable")]
    operations = [migrations.RunPython(seed, unseed)]
