"""Short education pages for patients, by topic and STarT Back stratum, in English and French.

Written for patients in plain language (about a grade-6 reading level), in line with the
clinical guidance the pathway follows (clinical-rules.md; NICE NG59: reassurance, staying active,
self-management). No diagnosis and nothing about the reader: the same page for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, paragraphs)


TOPICS = ("what-is-back-pain", "staying-active", "pain-and-worry", "work", "when-to-seek-help")

# Which topics come first for each stratum (all topics stay available to everyone).
BY_STRATUM: dict[str, tuple[str, ...]] = {
    "low": ("what-is-back-pain", "staying-active", "when-to-seek-help"),
    "medium": ("what-is-back-pain", "staying-active", "work", "when-to-seek-help"),
    "high": ("pain-and-worry", "what-is-back-pain", "staying-active", "work", "when-to-seek-help"),
}


def words() -> dict[str, str]:
    """The words around the pages (introductions, headings, links), in the active language."""
    return {
        "index": gettext(
            "Short pages about low back pain, written for you by your physiotherapy team."
        ),
        "low": gettext(
            "Most back pain gets much better on its own within weeks. These pages explain why, and "
            "what helps."
        ),
        "medium": gettext(
            "Your back may take a little longer to settle. These pages explain what helps you keep "
            "moving and working."
        ),
        "high": gettext(
            "Back pain can affect sleep, mood and work. These pages explain how pain works and what "
            "helps, step by step."
        ),
        "start": gettext("Start here"),
        "others": gettext("Other topics"),
        "all": gettext("All topics"),
        "print": gettext("Print this page"),
        "back": gettext("All topics"),
    }


_EN = {
    "what-is-back-pain": Page(
        "what-is-back-pain",
        "What back pain is",
        "Back pain is very common and is rarely caused by serious damage.",
        (
            (
                "It is common",
                (
                    "Most people have low back pain at some time in their life. It is one of the most "
                    "common reasons people see a health professional.",
                ),
            ),
            (
                "It is rarely serious",
                (
                    "Your back is strong. It is made of bones, discs, muscles and ligaments that are "
                    "built to move and carry loads. In most cases no single cause is found, and that "
                    "is normal: it does not mean something was missed.",
                    "Scans (X-ray, MRI) often show changes such as 'wear and tear' or a 'bulging disc' "
                    "in people with no pain at all. They are a bit like wrinkles on the inside, and "
                    "they are usually not the reason for your pain.",
                ),
            ),
            (
                "It usually gets better",
                (
                    "Most back pain improves a lot within a few weeks. Pain can come back from time "
                    "to time; a flare-up is usually not a new injury and settles the same way.",
                ),
            ),
        ),
    ),
    "staying-active": Page(
        "staying-active",
        "Staying active",
        "Keeping moving helps your back get better faster than resting.",
        (
            (
                "Move, even if it hurts a little",
                (
                    "Bed rest slows recovery. Keep doing your normal daily activities as much as you "
                    "can, even if you need to do them more slowly or in smaller pieces.",
                    "Some pain when you move is normal and does not mean you are harming your back.",
                ),
            ),
            (
                "Build up step by step",
                (
                    "Walking is a good start. Add a little more each day or two: a few more minutes, "
                    "one more flight of stairs. Your exercises from your physiotherapist help too.",
                ),
            ),
            (
                "Things that can help",
                (
                    "Change position often. Heat, a warm shower or simple pain medicine as advised by "
                    "your pharmacist or doctor can make moving easier.",
                ),
            ),
        ),
    ),
    "pain-and-worry": Page(
        "pain-and-worry",
        "Pain, worry and mood",
        "How we feel affects how much pain we feel, and pain affects how we feel.",
        (
            (
                "Pain is a protector",
                (
                    "Pain is the body's alarm system. When pain lasts, the alarm can become extra "
                    "sensitive and go off more easily, even when the back is not being harmed.",
                ),
            ),
            (
                "Worry, stress and sleep matter",
                (
                    "Worry, stress, low mood and poor sleep can turn the alarm up. This is not "
                    "'all in your head': it is how the nervous system works for everyone.",
                    "Doing things you enjoy, staying in touch with people, and regular sleep times "
                    "can turn the alarm down.",
                ),
            ),
            (
                "Talk to us",
                (
                    "If you feel worried about your back, or down, tell your physiotherapist. "
                    "Talking about it is part of your care, and there is help for it.",
                ),
            ),
        ),
    ),
    "work": Page(
        "work",
        "Back pain and work",
        "Staying at work, or going back early, usually helps recovery.",
        (
            (
                "Work is usually good for your back",
                (
                    "You do not need to be pain-free to work. People who stay in touch with work "
                    "tend to recover faster.",
                ),
            ),
            (
                "Adjust for a while",
                (
                    "Talk with your employer about changes for a few weeks: shorter shifts, more "
                    "breaks, lighter or different tasks, changing position more often.",
                    "Your physiotherapist can suggest changes and write them down for you.",
                ),
            ),
            (
                "If you are off work",
                (
                    "Plan your return early, step by step. Being off work for a long time makes it "
                    "harder to go back.",
                ),
            ),
        ),
    ),
    "when-to-seek-help": Page(
        "when-to-seek-help",
        "When to seek help",
        "Most back pain is not an emergency, but some signs are.",
        (
            (
                "Call 911 or go to the nearest Emergency Department now if you have",
                (
                    "Numbness or tingling around your bottom or genitals (where you would sit on a "
                    "saddle).",
                    "New trouble passing urine or controlling your bladder or bowels.",
                    "Weakness in your legs that is getting worse, or both legs affected.",
                ),
            ),
            (
                "See your doctor soon if you have",
                (
                    "Fever or feeling very unwell with your back pain, weight loss you cannot "
                    "explain, a history of cancer, pain that is worse at night and not eased by "
                    "rest, or pain after a fall or accident.",
                ),
            ),
            (
                "Contact your physiotherapy team if",
                (
                    "Your pain is getting worse over a week or two instead of better, or you are not "
                    "sure what to do.",
                ),
            ),
        ),
    ),
}

_FR = {
    "what-is-back-pain": Page(
        "what-is-back-pain",
        "Qu'est-ce que la douleur au dos?",
        "La douleur au dos est très fréquente et vient rarement d'une lésion grave.",
        (
            (
                "C'est fréquent",
                (
                    "La plupart des gens ont mal au bas du dos à un moment de leur vie. C'est une des "
                    "raisons les plus fréquentes de consulter un professionnel de la santé.",
                ),
            ),
            (
                "C'est rarement grave",
                (
                    "Votre dos est solide. Il est fait d'os, de disques, de muscles et de ligaments "
                    "faits pour bouger et porter des charges. Le plus souvent, on ne trouve pas de "
                    "cause précise, et c'est normal : cela ne veut pas dire qu'on a oublié quelque "
                    "chose.",
                    "Les examens (radiographie, IRM) montrent souvent de « l'usure » ou un « disque "
                    "bombé » chez des personnes qui n'ont aucune douleur. C'est un peu comme des rides "
                    "à l'intérieur, et ce n'est généralement pas la cause de votre douleur.",
                ),
            ),
            (
                "Ça s'améliore en général",
                (
                    "La plupart des maux de dos vont beaucoup mieux en quelques semaines. La douleur "
                    "peut revenir de temps en temps; une poussée n'est en général pas une nouvelle "
                    "blessure et se calme de la même façon.",
                ),
            ),
        ),
    ),
    "staying-active": Page(
        "staying-active",
        "Rester actif",
        "Bouger aide votre dos à guérir plus vite que le repos.",
        (
            (
                "Bougez, même si ça fait un peu mal",
                (
                    "Le repos au lit ralentit la guérison. Continuez vos activités habituelles autant "
                    "que possible, même plus lentement ou en petits morceaux.",
                    "Un peu de douleur en bougeant est normal et ne veut pas dire que vous abîmez "
                    "votre dos.",
                ),
            ),
            (
                "Augmentez petit à petit",
                (
                    "La marche est un bon début. Ajoutez un peu tous les jours ou deux : quelques "
                    "minutes de plus, un étage de plus. Les exercices de votre physiothérapeute "
                    "aident aussi.",
                ),
            ),
            (
                "Ce qui peut aider",
                (
                    "Changez souvent de position. La chaleur, une douche chaude ou un médicament "
                    "simple contre la douleur, selon les conseils de votre pharmacien ou de votre "
                    "médecin, peuvent rendre le mouvement plus facile.",
                ),
            ),
        ),
    ),
    "pain-and-worry": Page(
        "pain-and-worry",
        "Douleur, inquiétude et moral",
        "Ce que l'on ressent influence la douleur, et la douleur influence ce que l'on ressent.",
        (
            (
                "La douleur est une protection",
                (
                    "La douleur est le système d'alarme du corps. Quand elle dure, l'alarme peut "
                    "devenir trop sensible et sonner plus facilement, même si le dos n'est pas en "
                    "danger.",
                ),
            ),
            (
                "L'inquiétude, le stress et le sommeil comptent",
                (
                    "L'inquiétude, le stress, un moral bas et un mauvais sommeil peuvent monter le "
                    "volume de l'alarme. Ce n'est pas « dans votre tête » : le système nerveux "
                    "fonctionne ainsi chez tout le monde.",
                    "Faire des activités que vous aimez, garder contact avec vos proches et vous "
                    "coucher à heures régulières peuvent baisser le volume de l'alarme.",
                ),
            ),
            (
                "Parlez-nous-en",
                (
                    "Si votre dos vous inquiète ou si vous avez le moral bas, dites-le à votre "
                    "physiothérapeute. En parler fait partie de vos soins, et de l'aide existe.",
                ),
            ),
        ),
    ),
    "work": Page(
        "work",
        "Douleur au dos et travail",
        "Rester au travail, ou y retourner tôt, aide en général à guérir.",
        (
            (
                "Le travail est en général bon pour le dos",
                (
                    "Vous n'avez pas besoin d'être sans douleur pour travailler. Les personnes qui "
                    "gardent contact avec leur travail guérissent souvent plus vite.",
                ),
            ),
            (
                "Adaptez pour un temps",
                (
                    "Parlez avec votre employeur de changements pour quelques semaines : quarts plus "
                    "courts, plus de pauses, tâches plus légères ou différentes, changer de position "
                    "plus souvent.",
                    "Votre physiothérapeute peut proposer des changements et vous les écrire.",
                ),
            ),
            (
                "Si vous êtes en arrêt de travail",
                (
                    "Préparez votre retour tôt, étape par étape. Un long arrêt rend le retour plus "
                    "difficile.",
                ),
            ),
        ),
    ),
    "when-to-seek-help": Page(
        "when-to-seek-help",
        "Quand demander de l'aide",
        "La plupart des maux de dos ne sont pas une urgence, mais certains signes le sont.",
        (
            (
                "Appelez le 911 ou allez tout de suite à l'urgence la plus proche si vous avez",
                (
                    "Un engourdissement ou des picotements autour des fesses ou des organes génitaux "
                    "(là où l'on s'assoit sur une selle).",
                    "Une nouvelle difficulté à uriner ou à retenir l'urine ou les selles.",
                    "Une faiblesse dans les jambes qui s'aggrave, ou les deux jambes touchées.",
                ),
            ),
            (
                "Voyez votre médecin bientôt si vous avez",
                (
                    "De la fièvre ou un grand malaise avec votre mal de dos, une perte de poids "
                    "inexpliquée, des antécédents de cancer, une douleur pire la nuit et non "
                    "soulagée par le repos, ou une douleur après une chute ou un accident.",
                ),
            ),
            (
                "Contactez votre équipe de physiothérapie si",
                (
                    "Votre douleur empire sur une ou deux semaines au lieu de s'améliorer, ou si vous "
                    "ne savez pas quoi faire.",
                ),
            ),
        ),
    ),
}

PAGES = {"en": _EN, "fr": _FR}


def language_of(code: str | None) -> str:
    return "fr" if (code or "").lower().startswith("fr") else "en"


def page(slug: str, language: str) -> Page | None:
    return PAGES[language_of(language)].get(slug)


def topics_for(stratum: str, language: str) -> tuple[list[Page], list[Page]]:
    """(pages to start with, the other pages) for a stratum; "" or unknown: all, in order."""
    pages = PAGES[language_of(language)]
    first = BY_STRATUM.get(stratum, ())
    return [pages[s] for s in first], [pages[s] for s in TOPICS if s not in first]
