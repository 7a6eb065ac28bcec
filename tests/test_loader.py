import shutil

import pytest

from knowledge.loader import DEFAULT_DATA_DIR, KnowledgeError, load


@pytest.fixture
def data(tmp_path):
    """A copy of the real knowledge base to break one thing at a time."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found"
    path.write_text(text.replace(old, new, 1))


def error_for(data) -> KnowledgeError:
    with pytest.raises(KnowledgeError) as info:
        load(data)
    return info.value


def test_the_shipped_knowledge_base_is_valid(kb):
    assert [p.id for p in kb.programs] == [
        "amsa",
        "cleveland-clinic",
        "ucla",
        "johns-hopkins",
        "mount-sinai",
        "brigham-and-womens",
        "intermountain",
        "university-of-miami",
        "fiu",
        "northwestern",
    ]
    required = """what-is-externship why-externships how-to-apply cost multiple-externships
        match-guarantee program-support externship-vs-observership usce eligibility visa
        usmle-requirements letters-of-recommendation timing duration documents
        choosing-a-program making-the-most scams finding-more-programs""".split()
    assert set(required) <= {f.id for f in kb.faqs}
    assert all(len(f.alternates) >= 4 and len(f.answer) <= 900 for f in kb.faqs)
    assert all(e.sources for e in kb.entries)


def test_the_new_topics_exist_with_sources(kb):
    new = """graduates-vs-students observership-counts which-programs-take-graduates
        letters-us-vs-home letters-logistics virtual-rotations etiquette visa-problems
        agency-terms finding-a-sponsor housing insurance beyond-scope""".split()
    for entry_id in new:
        faq = kb.faq(entry_id)
        assert faq is not None and faq.sources, entry_id


def test_every_fact_rests_on_a_source_read_at_an_address(kb):
    """Truth before fluency: a fee, date or duration appears only with the page it came from."""
    for program in kb.programs:
        assert program.verdict and program.article.summary.startswith("The article")
        for _, _, fact in program.facts():
            source = program.source(fact.source)
            assert source.url.startswith("https://") and source.read
    assert all(s.url.startswith("https://") for e in kb.entries for s in e.sources)


def test_the_audit_defects_are_gone(kb):
    assert "affordable" not in kb.program("amsa").focus
    assert "patient care" not in kb.program("cleveland-clinic").focus
    assert "hands on" not in kb.program("fiu").focus
    assert "a few are paid" not in kb.faq("cost").answer.lower()
    cleveland = kb.program("cleveland-clinic").official_page or ""
    assert cleveland.startswith("https://my.clevelandclinic.org/departments/")


def test_unknown_key(data):
    edit(
        data / "programs.yaml",
        "  location: Cleveland, Ohio",
        "  location: Cleveland, Ohio\n  fee: 100",
    )
    err = error_for(data)
    assert (err.entry, err.field, err.reason) == ("cleveland-clinic", "fee", "unknown key")
    assert err.file.endswith("programs.yaml") and err.line
    assert "programs.yaml:" in str(err) and "'cleveland-clinic'" in str(err)


def test_missing_field(data):
    edit(data / "programs.yaml", "  location: Utah\n", "")
    err = error_for(data)
    assert (err.entry, err.field, err.reason) == ("intermountain", "location", "missing field")


def test_duplicate_id(data):
    edit(data / "faq.yaml", "- id: visa\n", "- id: cost\n")
    err = error_for(data)
    assert (err.entry, err.field, err.reason) == ("cost", "id", "duplicate id")


def test_dangling_related_id(data):
    edit(
        data / "faq.yaml",
        "related: [visa-problems, eligibility, graduates-vs-students]",
        "related: [eligibility, no-such-entry]",
    )
    err = error_for(data)
    assert (err.entry, err.field) == ("visa", "related")
    assert "no-such-entry" in err.reason


def test_empty_text(data):
    edit(
        data / "programs.yaml",
        '  verdict: "No IMG program: department-sponsored observation only; HMS clerkships bar MD'
        ' holders"',
        '  verdict: "  "',
    )
    err = error_for(data)
    assert (err.entry, err.field) == ("brigham-and-womens", "verdict")
    assert err.line is not None


def test_too_few_alternates(data):
    edit(
        data / "faq.yaml",
        "  - what does externship mean\n  - define externship\n"
        "  - what is a clinical externship for IMGs\n  - explain what an externship is\n"
        "  - whats an externship\n  - what do you do during an externship\n"
        "  - meaning of externship in US medicine\n",
        "",
    )
    err = error_for(data)
    assert (err.entry, err.field) == ("what-is-externship", "alternates")


def test_answer_over_900_characters(data):
    edit(data / "faq.yaml", "    No single body oversees observerships", "    " + "x" * 900)
    err = error_for(data)
    assert (err.entry, err.field) == ("scams", "answer")


def test_bad_yaml_names_the_line(data):
    path = data / "faq.yaml"
    lines = path.read_text().splitlines()
    lines[10] = "  question: [unclosed"
    path.write_text("\n".join(lines))
    err = error_for(data)
    assert err.reason.startswith("bad YAML") and err.line and err.line >= 11


def test_duplicate_yaml_key(data):
    edit(data / "programs.yaml", "  location: Utah\n", "  location: Utah\n  location: Ohio\n")
    err = error_for(data)
    assert (err.field, err.reason) == ("location", "duplicate key") and err.line


def test_alias_naming_two_programs(data):
    edit(data / "programs.yaml", "aliases: [FIU,", "aliases: [JHU, FIU,")
    err = error_for(data)
    assert (err.entry, err.field) == ("fiu", "aliases")


def test_missing_file(data):
    (data / "meta.yaml").unlink()
    assert "cannot read" in error_for(data).reason


def test_insecure_url(data):
    edit(
        data / "programs.yaml",
        "    url: https://my.clevelandclinic.org",
        "    url: http://my.clevelandclinic.org",
    )
    err = error_for(data)
    assert err.entry == "cleveland-clinic" and err.field and err.field.endswith("url")


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("beyond_scope: beyond-scope", "beyond_scope: beyond-the-scope", "unknown id"),
        (
            "card_followups: [choosing-a-program, scams]",
            "card_followups: [amsa]",
            "not a faq entry",
        ),
        ("      visa: visa\n", "      visa: amsa\n", "not a faq entry"),
        ("      usce: usce\n", "      usce: amsa\n", "not a faq entry"),
        ("      audition: why-externships\n", "      audition: why-auditions\n", "unknown id"),
        ("      host: finding-more-programs\n", "      host: amsa\n", "not a faq entry"),
    ],
)
def test_a_role_must_name_an_entry_of_its_kind(data, old, new, reason):
    edit(data / "meta.yaml", old, new)
    error = error_for(data)
    assert reason in error.reason and error.entry == "meta" and error.field.startswith("roles.")


def test_a_fact_role_must_name_a_fact_the_cards_show(data):
    edit(data / "meta.yaml", "      fee: cost\n", "      price: cost\n")
    error = error_for(data)
    assert error.file.endswith("meta.yaml") and error.field and "price" in error.field


def test_vocabulary_is_validated_like_the_rest(data):
    edit(data / "vocabulary.yaml", "  research: {selective: true,", "  Research: {selective: true,")
    error = error_for(data)
    assert error.file.endswith("vocabulary.yaml") and "lowercase words" in error.reason
    edit(data / "vocabulary.yaml", "  Research: {selective: true,", "  research: {selectiv: true,")
    error = error_for(data)
    assert error.field and "research" in error.field and error.line


def test_another_languages_words_may_not_be_english_stopwords(data):
    # "do" is Portuguese too, but counted as foreign it would make English read as Portuguese.
    edit(data / "vocabulary.yaml", "    que para como ", "    que do para como ")
    error = error_for(data)
    assert error.file.endswith("vocabulary.yaml") and "English stopwords: do" in error.reason


def test_places_must_be_consistent(data):
    edit(data / "places.yaml", "    nyc: NY\n", "    nyc: NQ\n")
    error = error_for(data)
    assert error.file.endswith("places.yaml") and "unknown state" in error.reason


def test_vocabulary_changes_reach_the_engine_without_code(data):
    from knowledge.answer.engine import AnswerEngine
    from tests.fakes import FakeEncoder

    edit(data / "vocabulary.yaml", "    mt: mount\n", "    mt: mount\n    jh: johns hopkins\n")
    engine = AnswerEngine(load(data), FakeEncoder())
    assert [r.id for r in engine.answer("jh").results][:1] == ["johns-hopkins"]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "    url: https://www.amsa.org/about/\n",
            "    url: http://www.amsa.org/about/\n",
            "should match pattern",
        ),
        ("    url: https://www.amsa.org/about/\n", "", "missing field"),
        ("        source: amsa-exchanges\n", "        source: amsa-nowhere\n", "unknown source"),
    ],
)
def test_sources_need_addresses_and_facts_need_sources(data, old, new, reason):
    edit(data / "programs.yaml", old, new)
    error = error_for(data)
    assert reason in error.reason and error.entry == "amsa"


def test_a_source_needs_the_month_it_was_read(data):
    edit(
        data / "faq.yaml",
        "    read: 2026-11\n",
        "",
    )
    error = error_for(data)
    assert error.reason == "missing field" and error.field and error.field.endswith("read")


def test_a_faq_category_must_be_declared(data):
    edit(data / "faq.yaml", "  category: basics\n", "  category: trivia\n")
    assert "unknown category" in error_for(data).reason


def test_off_topic_examples_are_required_text(data):
    edit(data / "off_topic.yaml", "off_topic:\n", "off_topic: []\nunused:\n")
    error = error_for(data)
    assert error.file.endswith("off_topic.yaml")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("  scope: in_scope\n", "  scope: maybe\n", "scope"),  # only the three scopes
        ('  source: "https://www.imgguide.com', '  source: "ftp://www.imgguide.com', "source"),
        ("- q: ", "- question: ", "question"),  # an unknown key, not a silent gap
        ("  expect: [usce]\n", "  expect: [no-such-entry]\n", "expect"),
        ("  scope: in_scope\n  expect:", "  scope: off_topic\n  expect:", "expect"),
    ],
)
def test_asked_questions_are_validated(data, old, new, field):
    edit(data / "asked.yaml", old, new)
    error = error_for(data)
    assert error.file.endswith("asked.yaml") and field in str(error)


def test_a_question_asked_twice_is_one_example(data):
    edit(
        data / "asked.yaml",
        "asked:\n",
        'asked:\n- {q: "What is  USCE for IMGs?", scope: off_topic, source: "https://example.org"}\n',
    )
    error = error_for(data)
    assert error.reason == "asked twice" and error.entry == "What is USCE for IMGs?"
