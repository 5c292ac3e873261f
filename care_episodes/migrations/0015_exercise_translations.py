from django.db import migrations, models

# The starter library (0005_seed_exercise_library) in Canadian French, for the handouts of French-speaking
# patients. An exercise the clinic renamed is left alone; the clinic adds French in the admin.
FRENCH = {
    "Knee rocking": ("Balancement des genoux", "Mouvement doux pour soulager la raideur", "10 de chaque côté", "2 à 3 fois par jour", "Augmentez l'amplitude à mesure que la raideur diminue.", "Couché sur le dos, genoux pliés, laissez les deux genoux basculer lentement d'un côté puis de l'autre, aussi loin que c'est confortable."),
    "Knees to chest": ("Genoux à la poitrine", "Étirer le bas du dos", "tenir 20 s", "deux fois par jour", "Tenez plus longtemps, jusqu'à 30 secondes.", "Couché sur le dos, ramenez un genou, puis les deux, vers la poitrine avec les mains. Respirez lentement."),
    "Pelvic tilt": ("Bascule du bassin", "Contrôler et bouger le bas du dos", "10", "deux fois par jour", "Faites-le assis, puis debout.", "Couché sur le dos, genoux pliés, aplatissez le dos contre le sol en contractant le ventre, puis relâchez."),
    "Bridge": ("Pont", "Renforcer les fessiers et le dos", "10", "une fois par jour", "Tenez 5 secondes en haut; puis le pont sur une jambe.", "Couché sur le dos, genoux pliés, serrez les fesses et levez les hanches jusqu'à ce que le corps soit droit. Redescendez lentement."),
    "Cat-camel": ("Chat-chameau", "Mobiliser toute la colonne", "10", "deux fois par jour", "Allez un peu plus loin chaque jour.", "À quatre pattes, arrondissez lentement le dos comme un chat, puis laissez-le se creuser doucement. Gardez un mouvement fluide."),
    "Child's pose": ("Posture de l'enfant", "Étirer le dos et les hanches", "tenir 20 s", "deux fois par jour", "Avancez les mains plus loin.", "À genoux, assoyez-vous sur les talons et allongez les bras vers l'avant sur le sol. Relâchez le dos."),
    "Press-up (prone extension)": ("Extension couchée sur le ventre", "Soulager la douleur au dos et à la jambe qui se centralise", "10", "toutes les 2 à 3 heures", "Tendez complètement les bras si c'est tolérable.", "Couché sur le ventre, mains sous les épaules, poussez pour soulever le haut du corps en gardant les hanches au sol. Arrêtez si la douleur descend plus loin dans la jambe."),
    "Bird dog": ("Chien d'arrêt", "Contrôle et force du tronc", "8 de chaque côté", "une fois par jour", "Tenez 5 secondes; ajoutez une extension lente.", "À quatre pattes, allongez un bras vers l'avant et la jambe opposée vers l'arrière en gardant le dos à plat. Changez de côté."),
    "Side plank on knees": ("Planche latérale sur les genoux", "Renforcer les côtés du tronc", "tenir 15 s", "une fois par jour", "Passez à la planche latérale complète sur les pieds.", "Couché sur le côté, appuyé sur le coude, genoux pliés, levez les hanches pour que le corps soit droit de la tête aux genoux."),
    "Sit to stand": ("Assis-debout", "Force des jambes pour les activités quotidiennes", "10", "une fois par jour", "Utilisez une chaise plus basse ou tenez un poids.", "Assoyez-vous à l'avant d'une chaise. Penchez-vous vers l'avant et levez-vous sans vous aider des mains, puis rassoyez-vous lentement."),
    "Walking programme": ("Programme de marche", "Développer l'activité générale et la confiance", "10 minutes", "chaque jour", "Ajoutez 2 à 5 minutes tous les quelques jours, jusqu'à 30 minutes.", "Marchez à un rythme confortable sur un terrain plat. Un petit inconfort est normal; ralentissez si la douleur dure plus de quelques heures après."),
    "Hamstring stretch": ("Étirement des ischio-jambiers", "Assouplir l'arrière de la cuisse", "tenir 30 s", "deux fois par jour", "Penchez-vous un peu plus en gardant le dos droit.", "Assis au bord d'une chaise, une jambe tendue, talon au sol, penchez-vous vers l'avant à partir des hanches jusqu'à sentir un étirement."),
    "Hip flexor stretch": ("Étirement des fléchisseurs de la hanche", "Étirer l'avant de la hanche", "tenir 30 s", "deux fois par jour", "Levez le bras du côté étiré.", "À genou sur un genou, l'autre pied devant, rentrez le bassin et avancez jusqu'à sentir un étirement à l'avant de la hanche."),
    "Sciatic nerve glide": ("Glissement du nerf sciatique", "Soulager les symptômes à la jambe en bougeant doucement le nerf", "10", "deux fois par jour", "N'augmentez l'amplitude que si les symptômes se calment.", "Assis bien droit, tendez un genou en inclinant la tête vers l'arrière, puis pliez le genou en regardant vers le bas. Bougez doucement; la douleur ne doit pas augmenter."),
    "Diaphragmatic breathing": ("Respiration diaphragmatique", "Se détendre et réduire la tension musculaire", "5 minutes", "deux fois par jour", "Utilisez-la pendant les poussées de douleur et avant de dormir.", "Couché ou assis confortablement, une main sur le ventre, inspirez lentement par le nez pour que le ventre se soulève; expirez lentement."),
}
FIELDS = ("name", "purpose", "reps", "frequency", "progression", "instructions")


def translate(apps, schema_editor):
    Exercise = apps.get_model("care_episodes", "Exercise")
    for exercise in Exercise.objects.filter(name__in=FRENCH):
        exercise.translations = {"fr": dict(zip(FIELDS, FRENCH[exercise.name], strict=True))}
        exercise.save(update_fields=["translations"])


class Migration(migrations.Migration):
    dependencies = [("care_episodes", "0014_episode_event_translations")]
    operations = [
        migrations.AddField(
            model_name="exercise",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(translate, migrations.RunPython.noop),
    ]
