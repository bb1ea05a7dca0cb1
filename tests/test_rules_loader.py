"""The rules loader: a full folder (the tests' rules) loads; every mistake names file, rule and
field."""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from aipo_budget.core.checks import approval
from aipo_budget.core.rules import KINDS, RulesError, load_rules
from conftest import RULES

GOOD = '''
[instrument]
id = "23GA/2002/Org/08"
title = "Use of surplus funds"

[[rule]]
id = "X-APPROVAL"
kind = "approval"
citation = "Res. 23GA/2002/Org/08"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  params.threshold = 5000.00
  params.approvers_above = 2
'''


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_full_folder_covers_every_kind():
    ruleset = load_rules(RULES)
    assert {rule.kind for rule in ruleset.rules} == set(KINDS)
    ceiling = ruleset.for_project("ceiling", "Trafficking-Roadmap")
    assert ceiling.versions[0].params.allocation == Decimal("40000.00")
    assert all(instrument.illustrative for instrument in ruleset.instruments)


def test_good_minimal_file(tmp_path):
    ruleset = load_rules(write(tmp_path, GOOD))
    (rule,) = ruleset.rules
    assert rule.versions[0].params == approval.Params(Decimal("5000.00"), 2)
    assert rule.versions[0].label == "X-APPROVAL v1 (2002-01-01)"


@pytest.mark.parametrize("effective", ["", "  effective = 1900-01-01\n"])
def test_a_first_version_without_a_date_is_in_force_always_and_named_without_one(
        tmp_path, effective):
    ruleset = load_rules(write(tmp_path, GOOD.replace("  effective = 2002-01-01\n", effective)))
    (version,) = ruleset.rules[0].versions
    assert version.since is None and version.label == "X-APPROVAL v1"
    assert ruleset.rules[0].in_force(datetime.date(1950, 1, 1)) is version


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ('kind = "approval"', 'kind = "aproval"', r"X-APPROVAL: field 'kind': unknown kind 'aproval'"),
        ("  params.approvers_above = 2\n", "", r"X-APPROVAL version 1: missing parameter 'approvers_above'"),
        ("params.threshold = 5000.00", 'params.threshold = "five"', r"parameter 'threshold': 'five' is not an amount"),
        ("params.threshold = 5000.00", "params.threshold = -1", r"parameter 'threshold'.*not a non-negative amount"),
        ("effective = 2002-01-01", 'effective = "2002-01-01"', r"field 'effective': '2002-01-01' is not a date"),
        # only a first version may leave its date out (in force always)
        ("  params.approvers_above = 2\n", "  params.approvers_above = 2\n  [[rule.version]]\n"
         "  params.threshold = 1\n  params.approvers_above = 1\n",
         r"X-APPROVAL version 2: missing field 'effective'"),
        ('severity = "error"', 'severity = "fatal"', r"field 'severity' must be one of error, warning"),
        ('citation = "Res. 23GA/2002/Org/08"\n', "", r"missing field 'citation'"),
        ("params.threshold = 5000.00", "params.threshold = 5000.00\n  params.limit = 3", r"unknown parameter 'limit'"),
        ('severity = "error"', 'severity = "error"\ncolour = "red"', r"unknown field 'colour'"),
    ],
)
def test_mistakes_name_rule_and_field(tmp_path, old, new, pattern):
    assert old in GOOD
    folder = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RulesError, match=pattern) as info:
        load_rules(folder)
    assert info.value.filename.endswith("rules.toml")


def test_rule_errors_point_at_the_rule_line(tmp_path):
    folder = write(tmp_path, GOOD.replace('kind = "approval"', 'kind = "nope"'))
    with pytest.raises(RulesError) as info:
        load_rules(folder)
    lines = (folder / "rules.toml").read_text().splitlines()
    assert lines[info.value.lineno - 1] == 'id = "X-APPROVAL"'


def test_duplicate_id_across_files(tmp_path):
    write(tmp_path, GOOD, "a.toml")
    folder = write(tmp_path, GOOD.replace('id = "23GA/2002/Org/08"', 'id = "Other"'), "b.toml")
    with pytest.raises(RulesError, match=r"X-APPROVAL: duplicate id \(also at .*a.toml:7\)"):
        load_rules(folder)


def test_a_duplicate_id_in_one_file_is_named_at_the_second_one(tmp_path):
    second = GOOD.split("[[rule]]", 1)[1]
    folder = write(tmp_path, GOOD + "\n[[rule]]" + second)
    with pytest.raises(RulesError, match=r"duplicate id \(also at .*rules.toml:7\)") as info:
        load_rules(folder)
    assert info.value.lineno == GOOD.count("\n") + 3  # the second id's line (18)


def test_two_versions_with_same_effective_date(tmp_path):
    text = GOOD + "\n  [[rule.version]]\n  effective = 2002-01-01\n  params.threshold = 1\n  params.approvers_above = 1\n"
    with pytest.raises(RulesError, match="two versions have the same effective date 2002-01-01"):
        load_rules(write(tmp_path, text))


def test_versions_out_of_order(tmp_path):
    text = GOOD + "\n  [[rule.version]]\n  effective = 2001-01-01\n  params.threshold = 1\n  params.approvers_above = 1\n"
    with pytest.raises(RulesError, match="in order of their effective date"):
        load_rules(write(tmp_path, text))


def test_invalid_toml_gives_line(tmp_path):
    folder = write(tmp_path, GOOD.replace('title = "Use', 'title = Use'))
    with pytest.raises(RulesError, match="not valid TOML") as info:
        load_rules(folder)
    assert info.value.lineno == 4


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(RulesError, match="rules folder not found"):
        load_rules(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RulesError, match=r"no rules files \(\*\.toml\)"):
        load_rules(tmp_path / "empty")


def test_authorised_resolution_must_be_declared(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    (folder / "26GA-2005-Soc-03.toml").unlink()
    with pytest.raises(RulesError, match="resolution '26GA/2005/Soc/03' is not declared"):
        load_rules(folder)


def test_project_rules_need_a_period(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "26GA-2005-Soc-03.toml"
    path.write_text(path.read_text().replace('kind = "period"', 'kind = "eligibility"\n# ')
                    .replace("params.project = \"Trafficking-Roadmap\"\n  params.start", "params.start"))
    with pytest.raises(RulesError):
        load_rules(folder)


def test_a_project_misspelt_in_one_rule_is_refused_with_the_name_it_means(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "26GA-2005-Soc-03.toml"
    text = path.read_text()
    start = text.index('kind = "ceiling"')
    path.write_text(text[:start] + text[start:].replace('"Trafficking-Roadmap"',
                                                        '"Trafficking-Roadmp"', 1))
    with pytest.raises(RulesError) as raised:
        load_rules(folder)
    assert "project 'Trafficking-Roadmp' has no period rule; did you mean " \
        "'Trafficking-Roadmap'?" in str(raised.value)
    assert raised.value.lineno > 0


def test_period_end_before_start(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "26GA-2005-Soc-03.toml"
    path.write_text(path.read_text().replace("params.end = 2006-06-30", "params.end = 2005-06-30"))
    with pytest.raises(RulesError, match="SOC03-PERIOD version 1: parameter 'end' is before 'start'"):
        load_rules(folder)


def test_a_folder_without_rules_is_refused(tmp_path):
    folder = write(tmp_path, "# nothing here\n")
    with pytest.raises(RulesError, match="holds no \\[\\[rule\\]\\], \\[instrument\\] or"):
        load_rules(folder)


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ('title = "Use of surplus funds"', "title = [1]", r"\[instrument\]: missing field 'title'"),
        ('title = "Use of surplus funds"', 'title = "x"\nillustrative = "no"',
         "'illustrative' must be true or false"),
        ('id = "X-APPROVAL"', 'id = "X-APPROVAL"\ntitle = 3', "X-APPROVAL: field 'title' must be a string"),
        ("effective = 2002-01-01", "effective = 2002-01-01\n  text = [2]", "field 'text' must be a string"),
    ],
)
def test_text_fields_must_be_text(tmp_path, old, new, pattern):
    assert old in GOOD
    with pytest.raises(RulesError, match=pattern):
        load_rules(write(tmp_path, GOOD.replace(old, new, 1)))


def test_reading_the_folder_again_in_one_process_sees_what_changed_since(tmp_path):
    """A rules file is parsed once per distinct text in a process (Fava reloads, and reads
    it again): an edit is a new text, and whether an instrument's source can be followed is
    asked of the disk at every reading, even when the text is the one parsed before."""
    source = tmp_path / "rules" / "texts" / "resolution.pdf"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"%PDF-1.4\n")
    text = GOOD.replace("[instrument]\n", '[instrument]\nsource = "texts/resolution.pdf"\n')
    folder = write(tmp_path, text)
    assert load_rules(folder).unfollowable == ()
    source.unlink()  # the same text, the source now gone
    (unfollowed,) = load_rules(folder).unfollowable
    assert unfollowed.instrument.source == "texts/resolution.pdf"
    assert unfollowed.lineno == 3
    source.write_bytes(b"%PDF-1.4\n")
    assert load_rules(folder).unfollowable == ()
    # an edit of a parameter is a new text, read anew
    write(tmp_path, text.replace("params.threshold = 5000.00", "params.threshold = 7000.00"))
    (version,) = load_rules(folder).rules[0].versions
    assert version.params.threshold == Decimal("7000.00")
    write(tmp_path, text.replace("params.threshold = 5000.00", "params.treshold = 5000.00"))
    with pytest.raises(RulesError, match="treshold"):
        load_rules(folder)
    with pytest.raises(RulesError, match="treshold"):  # a bad text is refused every time
        load_rules(folder)


def test_a_bad_instrument_field_is_refused_at_the_instruments_line(tmp_path):
    """A date that does not exist in [instrument]: the file, the table's line and the field."""
    folder = write(tmp_path, GOOD.replace('title = "Use of surplus funds"\n',
                                          'title = "Use of surplus funds"\nadopted = "2005-02-29"\n'))
    with pytest.raises(RulesError, match="field 'adopted'") as info:
        load_rules(folder)
    assert info.value.lineno == 2  # [instrument], after GOOD's first, empty line


def test_a_rule_text_that_quotes_a_table_header_moves_no_line(tmp_path):
    """A multi-line text may quote '[[rule]]' and 'id = ...': they are text, not tables. The
    duplicate below is named at its own id line."""
    quoting = GOOD.replace('severity = "error"\n', 'severity = "error"\ntitle = """Quotes\n'
                           '[[rule]]\nid = "X-APPROVAL"\n"""\n')
    second = GOOD.split("[[rule]]", 1)[1]
    text = quoting + "\n[[rule]]" + second
    folder = write(tmp_path, text)
    with pytest.raises(RulesError, match=r"duplicate id \(also at .*rules.toml:7\)") as info:
        load_rules(folder)
    lines = text.splitlines()
    assert lines[info.value.lineno - 1] == 'id = "X-APPROVAL"'
    assert info.value.lineno > lines.index('"""') + 1  # after the quoted text, not inside it


def test_a_comment_or_a_one_line_string_opens_no_multi_line_string(tmp_path):
    """A comment that mentions ''' (or a title holding \"\"\") must not make the rest of the
    file a string: the next rule's error keeps its line."""
    text = ("# Never write ''' in a title\n"
            + GOOD.replace('title = "Use of surplus funds"',
                           'title = "Use of \\"\\"\\" funds"')
            + '\n[[rule]]\nid = "X-BOGUS"\nkind = "bogus"\ncitation = "x"\nseverity = "error"\n')
    with pytest.raises(RulesError, match="unknown kind") as info:
        load_rules(write(tmp_path, text))
    assert text.splitlines()[info.value.lineno - 1] == 'id = "X-BOGUS"'


@pytest.mark.parametrize(("header", "said"), [
    ("[instrumnet]", "unknown top-level table 'instrumnet' (did you mean [instrument]?)"),
    ("[[rulez]]", "unknown top-level table 'rulez' (did you mean [[rule]]?)"),
    ("[[ waiverz ]]", "unknown top-level table 'waiverz' (did you mean [[waiver]]?)"),
    ("[colour]", "unknown top-level table 'colour' (known: [instrument], [[rule]], "
                 "[[waiver]])"),
])
def test_a_misspelt_table_is_named_at_its_line(tmp_path, header, said):
    text = GOOD + f"\n{header}\nid = \"X\"\n"
    with pytest.raises(RulesError) as info:
        load_rules(write(tmp_path, text))
    assert info.value.message == said
    lines = text.splitlines()
    assert lines[info.value.lineno - 1] == header


def test_a_top_level_key_is_named_at_its_line(tmp_path):
    text = 'colour = "red"\n' + GOOD
    with pytest.raises(RulesError, match="unknown top-level table 'colour'") as info:
        load_rules(write(tmp_path, text))
    assert info.value.lineno == 1


def test_a_misspelt_dotted_table_is_named_at_its_line(tmp_path):
    text = GOOD + '\n[rulez.extra]\nid = "X"\n'
    with pytest.raises(RulesError, match="unknown top-level table 'rulez'") as info:
        load_rules(write(tmp_path, text))
    assert text.splitlines()[info.value.lineno - 1] == "[rulez.extra]"


@pytest.mark.parametrize("value", ["8", "true", '["X-APPROVAL"]'])
def test_an_id_that_is_not_text_is_said_so_at_its_line(tmp_path, value):
    text = GOOD.replace('id = "X-APPROVAL"', f"id = {value}")
    with pytest.raises(RulesError) as info:
        load_rules(write(tmp_path, text))
    assert "has no 'id'" not in info.value.message
    assert "[[rule]]: field 'id' must be text in double quotes" in info.value.message
    assert text.splitlines()[info.value.lineno - 1] == f"id = {value}"


def test_a_rule_needs_one_approver_at_least(tmp_path):
    folder = write(tmp_path, GOOD.replace("approvers_above = 2", "approvers_above = 0"))
    with pytest.raises(RulesError, match=r"X-APPROVAL version 1: parameter 'approvers_above': "
                                         r"0 is below the smallest accepted \(1\)"):
        load_rules(folder)
