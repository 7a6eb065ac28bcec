"""Engine ranking logic on the deterministic fake encoder (names, places, small talk, gates)."""

from dataclasses import replace

import pytest

from knowledge.answer.model import Mode
from knowledge.present.formats import TEXT
from knowledge.present.replies import CLOSEST, Act, Presenter


def ids(answer):
    return [r.id for r in answer.results]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Cleveland Clinic", "cleveland-clinic"),
        ("cleavland clinik externship", "cleveland-clinic"),
        ("JHU", "johns-hopkins"),
        ("jhopkins", "johns-hopkins"),
        ("Mt. Sinai", "mount-sinai"),
        ("U of Miami", "university-of-miami"),
        ("BWH", "brigham-and-womens"),
        ("nortwestern", "northwestern"),
    ],
)
def test_names_with_typos_and_short_forms(fake_engine, question, expected):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.PROGRAM and ids(answer)[0] == expected


def test_a_place_name_alone_is_not_a_program_name(fake_engine):
    answer = fake_engine.answer("externships in Miami")
    assert answer.mode is Mode.LIST
    assert set(ids(answer)) == {"university-of-miami", "fiu"}
    assert [p.label for p in answer.places] == ["Miami, Florida"]


def test_two_named_programs_make_a_list(fake_engine):
    answer = fake_engine.answer("ucla or johns hopkins?")
    assert answer.mode is Mode.LIST and ids(answer) == ["ucla", "johns-hopkins"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("programs in Cleveland", "cleveland-clinic"),
        ("is there anything in Utah", "intermountain"),
        ("salt lake city externship", "intermountain"),
        ("NYC externship", "mount-sinai"),
        ("externship in LA", "ucla"),
        ("Baltimore, MD", "johns-hopkins"),
    ],
)
def test_places(fake_engine, question, expected):
    """A place with one program is a list of one, so the reply can say it is the only one."""
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.LIST and [p.id for p in answer.programs] == [expected]


def test_a_place_without_programs_says_so_and_suggests(fake_engine):
    answer = fake_engine.answer("externships in Texas")
    assert not answer.answered
    assert answer.note == "None of the programs we cover is in Texas."
    assert "finding-more-programs" in ids(answer)


def test_a_topic_asked_in_a_place_without_programs_is_answered_in_general(fake_engine, kb):
    """The place is said to have none of ours, then the topic it asks about is answered."""
    answer = fake_engine.answer("Is housing provided for observers in Texas?")
    assert answer.mode is Mode.FAQ and ids(answer)[0] == "housing"
    assert all(r.entry.entry_kind == "faq" for r in answer.results)
    reply = Presenter(kb, TEXT).reply(answer)
    assert reply.text.startswith("None of the programs we cover is in Texas. In general:")


def test_weighing_clinical_experience_is_answered_by_what_usce_is_worth(fake_engine):
    """ "How important is clinical experience?" weighs USCE, however close the match reads."""
    answer = fake_engine.answer("How important are clinical experiences in the US?")
    assert answer.mode is Mode.FAQ and answer.by_role and ids(answer)[0] == "usce"


def test_lowercase_ambiguous_state_codes_are_words_not_places(fake_engine):
    answer = fake_engine.answer("me or in or hi")
    assert answer.places == ()


@pytest.mark.parametrize("question", ["weather in boston", "best pizza in chicago"])
def test_a_place_with_unrelated_words_is_declined_without_suggestions(fake_engine, question):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.OFF_TOPIC and not answer.answered and not answer.results


def test_a_place_with_places_we_do_not_know_beside_an_observership_stays_ours(fake_engine):
    # "Des Moines" is no place we list, so its words are unknown; the observership is ours.
    answer = fake_engine.answer("is the observership in Des Moines or in LA")
    assert answer.mode is not Mode.OFF_TOPIC and "ucla" in [r.id for r in answer.results]


@pytest.mark.parametrize(
    "question",
    [
        "I am an IMG from India, MD, need visa help",  # a degree, not Maryland
        "can I do an observership, or is an elective better",  # a word, not Oregon
        "observerships for international medical graduates",  # not Florida International
    ],
)
def test_names_and_places_count_only_where_they_are_names_and_places(fake_engine, question):
    answer = fake_engine.answer(question)
    assert answer.places == () and answer.mode is not Mode.PROGRAM


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Baltimore, MD", "johns-hopkins"),
        ("externships in Miami, FL", "fiu"),
        ("NY", "mount-sinai"),
    ],
)
def test_postal_codes_written_as_addresses_are_places(fake_engine, question, expected):
    assert expected in ids(fake_engine.answer(question))


@pytest.mark.parametrize(
    ("question", "mode"),
    [
        ("what's a good laptop for school", Mode.OFF_TOPIC),
        ("how do I register for the NRMP match and rank list", Mode.BEYOND_SCOPE),
        ("j1 waiver or h1b for residency", Mode.BEYOND_SCOPE),
        ("are comlex scores enough for a doctor", Mode.BEYOND_SCOPE),
    ],
)
def test_scope_is_its_own_decision(fake_engine, question, mode):
    answer = fake_engine.answer(question)
    assert answer.mode is mode and not answer.answered
    assert answer.to_json()["mode"] == str(mode) and answer.to_json()["answered"] is False


@pytest.mark.parametrize(
    "question",
    [
        "what is a dental observership",
        "observerships for foreign pharmacy graduates",
        "Does Cleveland Clinic take pre-med students for shadowing?",
        "which vaccines do I need for studying abroad",  # students' exchanges too
        "I work at a summer camp, do I need health insurance",
        "can 2Ls apply for a judicial externship in the summer",  # a law school's externships
        "is a nurse externship paid over the summer",
        "can an MSW student's field education happen at a hospital",  # social work
        "how many hours does a phlebotomy externship take",
        "is a public interest externship paid",  # a law school's
        "how do I prepare for my APPE rotations",  # a pharmacy student's
        "can physician assistant students do an elective at your hospital",
        "where do travel nurses find housing near the hospital",
        "how do I plan an international rotation in my fourth year",  # a US student going out
        "does global health work count toward my graduation",
        "are observation hours logged by the clinic",  # a pre-health applicant's count of hours
        "do patient care hours from my EMT job count",
        "is an audiology externship paid",  # an audiologist's, a therapist's, a midwife's
        "can physical therapists observe in your clinic",
        "Is a midwifery elective available?",
    ],
)
def test_another_professions_placements_are_off_topic(fake_engine, question):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.OFF_TOPIC and not answer.results


@pytest.mark.parametrize(
    "question",
    [
        "how many hours a day does an observership last",  # an observer's day: ours
        "as an IMG, how many hours of clinical experience do programs expect",
    ],
)
def test_hours_of_an_observers_day_or_an_imgs_experience_stay_ours(fake_engine, question):
    assert fake_engine.answer(question).mode is not Mode.OFF_TOPIC


@pytest.mark.parametrize(
    ("question", "ours"),
    [
        ("may I work part time on my F-1", False),
        ("is an M-1 visa the same as an F-1", False),
        ("how long does a student visa take to process", False),
        ("can I do an observership on my F-1 visa", True),  # a word of clinical experience
        ("my student visa was denied, can I still do an elective", True),
        ("does travel insurance pay if my luggage is lost", False),
        ("which travel medical insurance covers a ski trip", False),
        ("is travel insurance enough for my observership", True),
        ("how many shadowing hours do med schools want", False),
        ("can my dad's colleague let me shadow him in clinic", False),
        ("as an IMG, is it worth shadowing a doctor", True),  # a doctor trained abroad
        ("is shadowing the same thing as an observership", True),
        ("how much will my treatment at the hospital cost", False),
        ("do international patients need a visa letter from the hospital", False),
        ("how do I get a second opinion from your doctors", False),
        ("can an observer see international patients at the clinic", True),
        ("will an unpaid marketing internship look good on my resume", False),
        ("how do I find a paid internship in a clinic", False),
        ("what is an acting internship in surgery", True),  # a student's clinical elective
        ("is a sub-internship harder to get than an externship", True),
        ("as an IMG, is a hospital internship the same as an observership", True),
        ("do clinical attachments need a visa", False),  # the UK's, on the way to PLAB
        ("what documents do I need for a clinical attachment", False),
        ("is a clinical attachment or a US observership better", True),
        ("can I do a sub-I on my F-1 visa", True),  # "sub-I" is a sub-internship's word
        ("how much time can volunteers spend with patients", False),  # a pre-med's or a neighbour's
        ("which vaccines does a hospital volunteer need", False),
        ("as an IMG, does volunteering in a US clinic help", True),
        ("can I volunteer as an observer in surgery", True),
        ("can a high school student join a summer clinical program", False),
        ("what do admissions look for in a medical school applicant", False),
        ("are admission requirements different for an elective", True),
        ("what vaccines does the hospital want before I go abroad", False),  # a student going out
        ("do doctors who travel abroad need malpractice insurance", False),
        ("as an IMG, should I go abroad for an elective", True),
    ],
)
def test_another_readers_need_is_off_topic_without_clinical_experience(fake_engine, question, ours):
    # A degree student's visa, a tourist's insurance, a pre-med's shadowing, a patient's care.
    assert (fake_engine.answer(question).mode is not Mode.OFF_TOPIC) is ours


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuánto cuesta una observership en Estados Unidos?",
        "Wie bewerbe ich mich für eine Famulatur in den USA?",
        "Como faço para conseguir um estágio observacional?",
        "Что такое обсервершип?",
        "كيف أحصل على تدريب سريري في أمريكا؟",
    ],
)
def test_a_question_in_another_language_is_asked_again_in_english(fake_engine, question):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.OTHER_LANGUAGE and not answer.answered and not answer.results


@pytest.mark.parametrize(
    "question",
    [
        "What does an observership in Los Angeles cost, and is there one in El Paso?",
        "are there externships in AL, IL or DE for IMGs",
        "Qué es an externship? I'm from Mexico",  # one Spanish word in an English question
    ],
)
def test_english_with_names_and_state_codes_is_english(fake_engine, question):
    assert fake_engine.answer(question).mode is not Mode.OTHER_LANGUAGE


def test_a_program_named_in_another_language_gets_its_card(fake_engine):
    answer = fake_engine.answer("¿Cuánto cuesta la Cleveland Clinic para los estudiantes?")
    assert [r.id for r in answer.results][:1] == ["cleveland-clinic"]


@pytest.mark.parametrize(
    "question",
    [
        # Beside other professions: a doctor trained abroad, and colleagues (not a profession).
        "can an IMG do an observership in a nursing home",
        "will I work with the nurses during my observership",
        # Written out, clinical experience keeps shadowing (another reader's need) ours.
        "is shadowing a doctor a good way to get clinical experience",
        "can shadowing hours count as clinical experience",
        # US students' names for an away rotation (an audition) and a sub-internship (a sub-I).
        "do audition spots fill up quickly",
        "which month do auditions open",
        "can I do two subi months",
        "did aways cost you a lot",  # "aways", short for away rotations
    ],
)
def test_words_of_clinical_experience_or_a_doctor_trained_abroad_keep_a_question_ours(
    fake_engine, question
):
    assert fake_engine.answer(question).mode is not Mode.OFF_TOPIC


@pytest.mark.parametrize(
    ("question", "beyond"),
    [
        ("how should I prepare for Step 2 CK", True),
        ("what if I failed USMLE once", True),
        ("should I study for step 1 during my observership", False),  # clinical experience
        ("do I need to pass step 1 before an externship", False),  # a host's requirement
        ("which month is best to take step 2", True),  # scheduling an exam
        ("can I take step 1 while on an elective", False),  # clinical experience
    ],
)
def test_preparing_for_taking_or_failing_an_exam_is_beyond_scope(fake_engine, question, beyond):
    assert (fake_engine.answer(question).mode is Mode.BEYOND_SCOPE) is beyond


@pytest.mark.parametrize(
    "question",
    [
        "is housing provided by your residency program",
        "will the residency program pay for my housing",
        "is there a residency program that gives interviews to IMGs in Florida",
        "is there a limit on years since graduation",  # the residencies' cut-off
        "which hospitals sponsor visas for international graduates",  # a visa sponsored
        "is a chairman's letter expected from foreign grads",  # a residency's departmental letter
        "is registering for the match required for imgs",  # taking part in the Match
        "is a thank-you email to a residency worth it",  # after a residency interview
        "do residencies read thank you notes",
        "is my intern year paid more in New York",  # a resident's first year
        "will I be on call as an intern",
        "is the ERAS fee refundable",  # the residency application, with no letter
    ],
)
def test_a_residency_program_asked_about_is_beyond_scope(fake_engine, question):
    # "your residency program" names the residency asked about, and a place does not make a
    # residency-stage question ours.
    assert fake_engine.answer(question).mode is Mode.BEYOND_SCOPE


@pytest.mark.parametrize(
    "question",
    [
        "do residency programs count an observership as clinical experience",
        "is my graduation year too old for an observership",
        "does the observership sponsor my visa",  # the observer's own visa: ours
        "can the department chair write my letter after my observership",
        "should I send a thank you note after my observership",
        "thanks! does residency care about observerships",
        "can I do an externship after my intern year",
        "do I report to the intern or the attending",  # a colleague on an observership
        "how do I get my LoR uploaded to ERAS",  # a host's letter reaching ERAS
    ],
)
def test_residency_programs_judging_experience_stay_ours(fake_engine, question):
    assert fake_engine.answer(question).mode is Mode.FAQ


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("how do I arrange a clerkship", "how-to-apply"),
        ("how can I obtain usce", "how-to-apply"),
        ("how do I look for observerships", "finding-more-programs"),
        ("how do I get a letter during my rotation", "letters-of-recommendation"),
        ("how can I plan a clerkship", "how-to-apply"),
        ("how do I schedule my externships", "how-to-apply"),
        ("how do I organise my electives", "how-to-apply"),
    ],
)
def test_a_how_question_about_obtaining_experience_gets_how_to_obtain_it(
    fake_engine, question, first
):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.FAQ and answer.results[0].id == first


def test_planning_something_else_is_no_question_of_obtaining_experience(fake_engine):
    # "plan" asks how to obtain only when its object is the experience itself.
    answer = fake_engine.answer("how should I plan my budget for the rotation")
    assert not (answer.results and answer.results[0].id == "how-to-apply" and answer.by_role)


@pytest.mark.parametrize(
    "question",
    [
        "can I email my application instead of mailing it",
        "when will I hear back about my application",
    ],
)
def test_an_application_asked_about_here_is_ours(fake_engine, question):
    # Asked of this assistant, an application is one for clinical experience, not off topic.
    assert fake_engine.answer(question).mode is not Mode.OFF_TOPIC


def test_contractions_leave_no_unknown_word(fake_engine):
    # "I'm" and "don't" split into "m" and "don": neither may read as a word we do not know,
    # which would make the question look off topic.
    vector = fake_engine._encode(["I'm an IMG and I don't have an observership"])[0]
    evidence = fake_engine._gather("I'm an IMG and I don't have an observership", vector)
    assert evidence.unknown_share == 0


def test_the_scope_note_offers_the_closest_faq_in_case_clinical_experience_was_meant(
    fake_engine, kb
):
    answer = fake_engine.answer("which month is best to take step 2")
    beyond = kb.meta.roles.beyond_scope
    assert answer.mode is Mode.BEYOND_SCOPE and not answer.answered
    first, closest = ids(answer)
    assert first == beyond and kb.faq(closest) is not None and closest != beyond
    reply = Presenter(kb, TEXT).reply(answer)
    assert reply.text.endswith(CLOSEST)
    assert (Act.FAQ, closest) in [(a.act, a.arg) for row in reply.rows for a in row]


@pytest.mark.parametrize(
    ("question", "program"),
    [
        ("Does UCLA sponsor H-1B visas for residents?", "ucla"),  # words of the residency stage
        ("cleveland clinic residency interview tips", "cleveland-clinic"),
    ],
)
def test_a_programs_residency_gets_the_scope_note_with_its_card_a_tap_away(
    fake_engine, kb, question, program
):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.BEYOND_SCOPE and not answer.answered
    assert ids(answer) == [kb.meta.roles.beyond_scope, program]
    assert answer.note.startswith("We cover ") and "before residency" in answer.note
    reply = Presenter(kb, TEXT).reply(answer)
    assert reply.text.startswith(answer.note)
    assert (Act.PROGRAM, program) in [(a.act, a.arg) for row in reply.rows for a in row]


def test_a_question_the_scope_model_finds_ours_is_not_sent_away_by_its_nearest_wording(
    fake_engine,
):
    # Nearest by wording to the residency stage's entry; the scope model finds it ours (0.7)
    # with the word "electives", not without (0.24).
    ours = "which matters more, research or clinical work for my electives"
    never = fake_engine.with_thresholds(replace(fake_engine.thresholds, in_scope_sure=1.01))
    assert never.answer(ours).mode is Mode.BEYOND_SCOPE
    assert "beyond-scope" not in ids(fake_engine.answer(ours))[:1]
    assert fake_engine.answer(ours).mode is not Mode.BEYOND_SCOPE
    residency = "research or clinical work, which matters more"
    assert fake_engine.answer(residency).mode is Mode.BEYOND_SCOPE


def test_a_programs_clinical_experience_for_residency_keeps_its_card(fake_engine):
    answer = fake_engine.answer("Is the Brigham observership useful for residency?")
    assert answer.mode is Mode.PROGRAM and ids(answer)[:1] == ["brigham-and-womens"]


@pytest.mark.parametrize(
    "question", ["hi", "Thanks!", "ok", "good morning 🙂", "bye", "hello there"]
)
def test_small_talk_is_never_a_card(fake_engine, question):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.SMALL_TALK and not answer.answered and answer.results == ()


@pytest.mark.parametrize("question", ["", "   ", "?!", "\u200b\u200f", "\x00\x07"])
def test_empty_questions(fake_engine, question):
    assert fake_engine.answer(question).mode is Mode.EMPTY


def test_greeting_before_a_question_is_ignored(fake_engine):
    assert ids(fake_engine.answer("hi, tell me about UCLA please"))[0] == "ucla"


def test_a_named_program_comes_first_in_a_mixed_question(fake_engine):
    answer = fake_engine.answer("how much does the Cleveland Clinic externship cost?")
    assert answer.mode is Mode.PROGRAM and ids(answer)[0] == "cleveland-clinic"


def test_gibberish_is_not_answered(fake_engine):
    assert not fake_engine.answer("qwzx vbnm plokij").answered


def test_near_tie_between_entries_is_offered_as_choices(fake_engine):
    from dataclasses import replace

    # Without the ranker, which breaks ties between entries of ours (tests/test_adapter.py).
    plain = fake_engine.alone()
    plain = plain.with_thresholds(replace(plain.thresholds, margin=10.0))
    answer = plain.answer("what are the fees for an externship")
    assert answer.mode is Mode.CHOICES and not answer.answered and len(answer.results) >= 2


def test_answer_many_keeps_order_and_encodes_each_question_once(kb):
    from knowledge.answer.engine import AnswerEngine
    from tests.fakes import FakeEncoder

    encoder = FakeEncoder()
    engine = AnswerEngine(kb, encoder)
    encoder.encoded.clear()
    questions = ["ucla", "hi", "", "externships in florida", "ucla"]
    answers = engine.answer_many(questions)
    assert [a.question for a in answers] == questions
    assert encoder.encoded == ["ucla", "externships in florida", "ucla"]


def test_json_contract(fake_engine):
    data = fake_engine.answer("JHU").to_json()
    assert set(data) == {"question", "answered", "mode", "results"}
    assert data["answered"] is True
    first = data["results"][0]
    assert set(first) == {"kind", "id", "title", "score"}
    assert (first["kind"], first["id"]) == ("program", "johns-hopkins")
    assert isinstance(first["score"], float)


def test_very_long_input_is_capped_not_rejected(fake_engine):
    answer = fake_engine.answer("visa " * 3000)
    assert len(answer.question) == 15000  # the original question is reported back
    assert answer.mode is not Mode.EMPTY


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("which program is good for family medicine", ["fiu"]),
        ("program with communication and professionalism workshops", ["brigham-and-womens"]),
    ],
)
def test_a_described_program_is_found_by_its_focus(fake_engine, question, expected):
    answer = fake_engine.answer(question)
    assert answer.answered and ids(answer)[: len(expected)] == expected


@pytest.mark.parametrize("question", ["low cost externship", "cheap externships", "budget program"])
def test_no_program_is_called_cheap_without_a_source(fake_engine, question):
    """No page read supports an "affordable" program: cost questions are not program picks."""
    answer = fake_engine.answer(question)
    assert answer.mode is not Mode.LIST and "amsa" not in ids(answer)[:1]


@pytest.mark.parametrize(
    ("question", "program"),
    [
        ("mount sinai miami beach observership", "mount-sinai"),
        ("Asian Medical Students Association exchange", "amsa"),
        ("jackson memorial hospital observership", "university-of-miami"),
    ],
)
def test_a_name_trap_is_said_plainly_not_answered_with_the_lookalike(
    fake_engine, question, program
):
    answer = fake_engine.answer(question)
    assert not answer.answered and " is not " in answer.note and ids(answer) == [program]


@pytest.mark.parametrize(
    ("question", "program"),
    [
        ("Does Cleveland Clinic Florida offer observerships?", "cleveland-clinic"),
        ("florida cleveland clinic externship fee", "cleveland-clinic"),
        ("Johns Hopkins Florida elective", "johns-hopkins"),
        ("Cleveland Clinic Abu Dhabi observership", "cleveland-clinic"),  # no US place
        ("Cleveland Clinic externship Abu Dhabi", "cleveland-clinic"),
    ],
)
def test_another_campus_of_a_programs_name_is_not_given_its_card(fake_engine, question, program):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.UNKNOWN and ids(answer) == [program]
    campus = "Abu Dhabi" if "Abu" in question else "Florida"
    assert answer.note.startswith("We have nothing checked on ")
    assert campus.lower() in answer.note.lower()
    assert "externship" not in answer.note.split(".")[0]  # the campus named, not the words
    assert answer.to_json()["note"] == answer.note


@pytest.mark.parametrize(
    ("question", "program"),
    [
        ("Is Cleveland Clinic in Florida?", "cleveland-clinic"),  # a question of where it is
        ("Cleveland Clinic Ohio observership", "cleveland-clinic"),  # where it is
        ("Intermountain Salt Lake City", "intermountain"),  # a city of its state
        ("UCLA Los Angeles observership", "ucla"),
        # After a possessive: something of the institution's own, not another campus.
        ("Can I join Cleveland Clinic's CME conferences?", "cleveland-clinic"),
    ],
)
def test_a_place_the_program_is_in_or_a_question_of_where_keeps_its_card(
    fake_engine, question, program
):
    answer = fake_engine.answer(question)
    assert answer.mode is Mode.PROGRAM and ids(answer)[:1] == [program] and not answer.note


def test_a_program_found_by_likeness_beside_a_word_we_do_not_know_is_only_offered(fake_engine):
    # "stanford" may name another institution: Northwestern's visiting students read alike.
    answer = fake_engine.answer("stanford visiting student elective")
    assert not answer.answered and answer.mode is not Mode.PROGRAM


def test_partners_healthcare_is_brigham(fake_engine):
    assert ids(fake_engine.answer("Partners HealthCare externship"))[:1] == ["brigham-and-womens"]


def test_several_programs_sharing_the_described_focus_make_a_list(fake_engine):
    answer = fake_engine.answer("research externship")
    assert answer.mode is Mode.LIST
    assert set(ids(answer)) == {
        "ucla",
        "johns-hopkins",
        "mount-sinai",
        "university-of-miami",
        "northwestern",
    }


@pytest.mark.parametrize(
    "question",
    [
        "are externships cheap",  # a cost question, not a description of a program
        "mentoring during externship",  # a topic tag: a question about support
        "expensive externship",  # not "affordable"
        "does research count as clinical experience",  # no program sought
        "which helps more, research or observership",  # one weighed against the other
    ],
)
def test_focus_words_that_do_not_describe_a_sought_program_do_not_pick_programs(
    fake_engine, question
):
    assert fake_engine.answer(question).mode is not Mode.LIST
    assert (
        fake_engine.retriever.gather(
            question, fake_engine.encoder.encode([question])[0], fake_engine.thresholds.weights
        ).described
        == set()
    )


def test_pasted_markup_is_ignored(fake_engine):
    assert ids(fake_engine.answer("<b>JHU</b> & <script>x</script>"))[0] == "johns-hopkins"


def test_an_institution_and_a_topic_answer_the_topic_for_that_institution(fake_engine):
    answer = fake_engine.answer("what visa does cleveland clinic accept")
    assert answer.mode is Mode.PROGRAM and ids(answer)[0] == "cleveland-clinic"
    assert answer.aspects == ("visa",) and ids(answer)[1] == "visa"


def test_a_multi_part_question_gets_every_topic_in_order(fake_engine):
    answer = fake_engine.answer("How much does it cost and do I need a visa?")
    assert answer.mode is Mode.FAQ and answer.asked == 2
    assert ids(answer) == ["cost", "visa"]
    card = fake_engine.answer("How much does Johns Hopkins cost and do I need a visa?")
    assert card.mode is Mode.PROGRAM and card.aspects == ("fee", "visa")


def test_statements_around_questions_are_not_topics():
    from knowledge.answer.parts import split_parts

    starts = {"can", "what", "do", "how"}
    text = "I graduated in 2019. Can I do an observership? What documents do I need? thanks"
    assert split_parts(text, starts) == ["Can I do an observership", "What documents do I need"]
    assert split_parts("letters and recommendations for residency", starts) == []


def test_follow_ups_resolve_it_and_which_one(fake_engine):
    from knowledge.answer.model import Context

    card = fake_engine.answer("johns hopkins")
    after = card.context()
    assert after.program == "johns-hopkins"
    cost = fake_engine.answer("what about its cost?", after)
    assert cost.resolved and ids(cost)[0] == "johns-hopkins" and cost.aspects == ("fee",)
    listing = fake_engine.answer("externships in florida")
    cheaper = fake_engine.answer("which one is cheaper?", listing.context(Context()))
    assert cheaper.mode is Mode.LIST and cheaper.aspects == ("fee",)
    assert {p.id for p in cheaper.programs} == {"university-of-miami", "fiu"}
    topic = fake_engine.answer("how long is an observership", Context())
    there = fake_engine.answer("and at ucla?", topic.context(Context()))
    assert ids(there)[0] == "ucla" and there.aspects == ("duration",)
    # without context the same words are no follow-up, and stateless calls stay stateless
    assert not fake_engine.answer("what about its cost?").resolved


def test_a_comparison_of_programs_is_side_by_side(fake_engine):
    answer = fake_engine.answer("which program is the cheapest?")
    assert answer.mode is Mode.LIST and len(answer.programs) == 10 and answer.aspects == ("fee",)
    kinds = fake_engine.answer("is a paid externship better than an observership?")
    assert kinds.mode is not Mode.LIST


@pytest.mark.parametrize(
    ("text", "kind"),
    [("thanks!", "thanks"), ("help", "help"), ("hi", "greeting"), ("bye", "farewell")],
)
def test_small_talk_knows_thanks_from_greetings(fake_engine, text, kind):
    answer = fake_engine.answer(text)
    assert answer.mode is Mode.SMALL_TALK and answer.small_talk == kind


@pytest.mark.parametrize(
    ("name", "expected"), [("cleveland", ["cleveland-clinic"]), ("hopkins", ["johns-hopkins"])]
)
def test_program_names_may_be_partial_and_places_are_names_there(fake_engine, name, expected):
    strong, _ = fake_engine.browse.find_program(name)
    assert [p.id for p in strong] == expected


def test_jargon_comes_from_the_vocabulary(fake_engine):
    tokens = fake_engine.retriever.lexicon.tokenizer.words("UCSE telerotation LoR LoRP")
    assert tokens == ["usce", "virtual", "rotation", "letter", "letter", "portal"]
