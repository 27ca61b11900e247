"""Parsing with pyx12 into frames, placing IG errors in claims, and writing claim subsets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from edi.compose import Claim, Line, compose_837
from edi.parse import parse_source
from edi.source import QuarantineError, source_from_bytes
from edi.write import render_claims
from transforms.syntax import syntax_findings


def parse_text(text: str, name: str = "t.837", encoding: str = "latin-1"):
    return parse_source(source_from_bytes(Path(name), text.encode(encoding)))


def two_claims() -> list[Claim]:
    return [
        Claim(
            "C1",
            [
                Line("J9035", 1040, 16, ("JZ",), ndc="50242006001", ndc_quantity=6.24, ndc_unit="ML"),
                Line("96413", 280, 1, date="20251106"),
            ],
            prior_auth="AUTH9",
            diagnoses=("C189", "K5090"),
        ),
        Claim(
            "C2",
            [Line("J3490", 50, 1, description="DRUGX 5MG", ndc="12345678901", ndc_quantity=1, ndc_unit="UN")],
            filing_indicator="MC",
        ),
    ]


def test_837p_frames_carry_the_fields_and_their_source():
    parsed = parse_text(compose_837(two_claims(), "837P", control=7))
    claims = parsed.claims
    assert claims["claim_id"].to_list() == ["C1", "C2"]
    assert claims["payer_filing_indicator"].to_list() == ["MB", "MC"]
    assert claims["total_charge"].to_list() == [1320.0, 50.0]
    assert claims["prior_auth"].to_list() == ["AUTH9", None]
    assert claims["diagnoses"].to_list() == [["C189", "K5090"], ["C3490"]]
    assert claims["interchange_control"].to_list() == ["000000007", "000000007"]
    assert claims["transaction_control"].to_list() == ["0007", "0007"]
    first = parsed.lines.row(0, named=True)
    assert (first["procedure_code"], first["modifier_1"], first["units"], first["charge"]) == (
        "J9035",
        "JZ",
        16,
        1040,
    )
    assert (first["ndc_qualifier"], first["ndc"], first["ndc_quantity"], first["ndc_unit"]) == (
        "N4",
        "50242006001",
        6.24,
        "ML",
    )
    assert first["service_date"] == dt.date(2025, 11, 5)
    assert first["diagnosis_pointers"] == [1]
    # the 96413 line has its own date
    assert parsed.lines["service_date"].to_list()[1] == dt.date(2025, 11, 6)
    assert parsed.lines.filter(pl.col("procedure_code") == "J3490")["description"].item() == "DRUGX 5MG"
    # positions point at the segments: ISA=1, GS=2, ST=3; the LIN comes right after SV1 and DTP
    assert first["lin_position"] == first["sv_position"] + 2
    assert first["ctp_position"] == first["lin_position"] + 1
    assert parsed.errors.height == 0


def test_line_date_ranges_keep_their_last_date():
    claim = Claim(
        "C1",
        [
            Line("J0696", 682.5, 56, date="20040201-20040207"),
            Line("96365", 100, 1, date="20040203"),
        ],
    )
    lines = parse_text(compose_837([claim], "837P")).lines
    assert lines["service_date"].to_list() == [dt.date(2004, 2, 1), dt.date(2004, 2, 3)]
    assert lines["service_date_end"].to_list() == [dt.date(2004, 2, 7), dt.date(2004, 2, 3)]


def test_837i_frames_have_revenue_code_and_bill_type():
    claim = Claim(
        "I1", [Line("J9312", 980, 10, ("JZ",), revenue_code="0636")], filing_indicator="MA", bill_type="131"
    )
    parsed = parse_text(compose_837([claim], "837I"))
    assert parsed.errors.height == 0
    assert parsed.claims.row(0, named=True)["bill_type"] == "131"
    assert parsed.claims.row(0, named=True)["claim_type"] == "837I"
    line = parsed.lines.row(0, named=True)
    assert (line["revenue_code"], line["procedure_code"], line["units"]) == ("0636", "J9312", 10)


def test_other_delimiters_and_no_line_breaks_parse_the_same():
    text = compose_837(two_claims(), "837P", segment_end="~")
    # element separator | and component separator > (the ISA16 position holds the component separator)
    piped = text.replace("*", "|").replace(":", ">")
    parsed = parse_text(piped)
    assert parsed.errors.height == 0
    assert parsed.source.ele_term == "|" and parsed.source.subele_term == ">"
    assert parsed.lines["procedure_code"].to_list() == ["J9035", "96413", "J3490"]
    assert parsed.lines["modifier_1"].to_list()[0] == "JZ"


def test_several_interchanges_in_one_file():
    text = compose_837(two_claims()[:1], control=1) + compose_837(two_claims()[1:], control=2)
    parsed = parse_text(text)
    assert parsed.claims["interchange_control"].to_list() == ["000000001", "000000002"]
    assert parsed.claims["claim_index"].to_list() == [0, 1]
    assert parsed.envelopes.height == 2


def test_an_error_inside_a_claim_rejects_only_that_claim():
    text = compose_837(two_claims()).replace("CLM*C2*50*", "CLM*C2*5X*")
    parsed = parse_text(text)
    findings = syntax_findings(parsed)
    errors = findings.filter(pl.col("severity") == "error")
    assert set(errors["claim_id"]) == {"C2"}
    clm = parsed.claims.filter(pl.col("claim_id") == "C2")["clm_position"].item()
    assert clm in errors["segment_position"].to_list()


def test_an_error_in_the_subscriber_loop_belongs_to_that_subscribers_claim_and_is_redacted():
    # the second claim's subscriber has an impossible birth date
    text = compose_837(two_claims())
    cut = text.index("NM1*IL*1*SAMPLE*PATIENT2")
    text = text[:cut] + text[cut:].replace("DMG*D8*19500101*F", "DMG*D8*19501399*F", 1)
    findings = syntax_findings(parse_text(text)).filter(pl.col("severity") == "error")
    assert set(findings["claim_id"]) == {"C2"}
    assert "19501399" not in " ".join(findings["message"].to_list())
    assert findings["actual"].to_list() == [None] * findings.height


def test_written_subset_is_valid_x12_with_renumbered_hl_and_counts():
    parsed = parse_text(compose_837(two_claims()))
    data = render_claims(parsed, [1])  # only C2: its subscriber HL was 3, it becomes 2
    text = data.decode("latin-1")
    segments = [s.strip() for s in text.split("~") if s.strip()]
    assert "HL*1**20*1" in segments
    assert "HL*2*1*22*0" in segments
    assert not any(s.startswith("CLM*C1*") for s in segments)
    st = segments.index(next(s for s in segments if s.startswith("ST*")))
    se = segments.index(next(s for s in segments if s.startswith("SE*")))
    assert segments[se] == f"SE*{se - st + 1}*0001"
    assert segments[-2] == "GE*1*1" and segments[-1] == "IEA*1*000000001"
    again = parse_text(text)
    assert again.errors.height == 0
    assert again.claims["claim_id"].to_list() == ["C2"]


def test_claim_segments_are_written_exactly_as_received():
    text = compose_837(two_claims())
    parsed = parse_text(text)
    out = render_claims(parsed, [0, 1]).decode("latin-1")
    assert out == text


def test_nothing_to_write_gives_none():
    parsed = parse_text(compose_837(two_claims()))
    assert render_claims(parsed, []) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "file is empty"),
        ("GS*HC*A*B*20250101*1200*1*X*005010X222A1~", "must start with ISA"),
        ("ISA*00*short*00*x~", "not the fixed-width 106-character ISA"),
    ],
)
def test_unreadable_files_are_quarantined_with_a_reason(text, reason):
    with pytest.raises(QuarantineError, match=reason):
        parse_source(source_from_bytes(Path("bad.837"), text.encode()))


def test_4010_interchange_is_quarantined():
    text = compose_837(two_claims()).replace("*00501*", "*00401*", 1)
    with pytest.raises(QuarantineError, match="ISA12.*00401"):
        parse_text(text)


def test_a_non_837_group_is_quarantined():
    text = compose_837(two_claims()).replace("005010X222A1", "005010X221A1")
    with pytest.raises(QuarantineError, match="segment 2: functional group HC/005010X221A1"):
        parse_text(text)


def test_truncated_file_is_quarantined():
    text = compose_837(two_claims())
    with pytest.raises(QuarantineError, match="without its IEA"):
        parse_text(text[: text.index("GE*")])


def test_utf8_bom_is_accepted_and_kept_on_output():
    text = compose_837(two_claims())
    parsed = parse_source(source_from_bytes(Path("bom.837"), b"\xef\xbb\xbf" + text.encode()))
    assert parsed.errors.height == 0
    assert render_claims(parsed, [0, 1]) == b"\xef\xbb\xbf" + text.encode()


def test_birth_dates_in_hi_occurrence_codes_and_segment_text_do_not_reach_findings():
    # occurrence code A1 (birth date of insured) is not valid in an 837P HI: pyx12 reports the
    # segment, repeating its text; the date must not be in the finding
    claim = two_claims()[0]
    claim.extra = ["HI*BH:A1:D8:19261111"]
    findings = syntax_findings(parse_text(compose_837([claim])))
    assert findings.height > 0
    shown = " ".join(findings["message"].to_list() + [v for v in findings["actual"].to_list() if v])
    assert "19261111" not in shown


def test_hl_ids_written_with_leading_zeros_are_renumbered_from_each_claims_own_chain():
    # HL02 "01" names HL01 "01": valid X12 (numbers), and the written file must keep the chain
    text = (
        compose_837(two_claims()).replace("HL*1**20*1", "HL*01**20*1").replace("HL*2*1*22*0", "HL*02*01*22*0")
    )
    parsed = parse_text(text)
    assert parsed.errors.height == 0
    out = render_claims(parsed, [1]).decode("latin-1")
    assert [s for s in out.split("~\n") if s.startswith("HL*")] == ["HL*1**20*1", "HL*2*1*22*0"]
    assert parse_text(out).errors.height == 0


def test_a_second_interchange_in_the_file_is_validated_on_its_own():
    text = compose_837(two_claims()[:1], control=1) + compose_837(two_claims()[1:], control=2)
    parsed = parse_text(text)
    assert parsed.errors.height == 0
    assert syntax_findings(parsed).height == 0


def test_a_missing_se_is_written_for_a_rejected_claims_transaction():
    lines = compose_837(two_claims()).split("\n")
    text = "\n".join(s for s in lines if not s.startswith("SE*"))  # the transaction has no SE
    parsed = parse_text(text)
    assert set(syntax_findings(parsed).filter(pl.col("severity") == "error")["claim_id"]) == {"C1", "C2"}
    out = render_claims(parsed, [0, 1]).decode("latin-1")
    again = parse_text(out)
    assert again.errors.height == 0
    assert out.split("~\n")[-4].startswith("SE*")


def test_subscriber_ssn_and_medical_record_number_never_reach_findings():
    claim = two_claims()[0]
    claim.extra = ["REF*EA*MRN-0000000000000000000000000000000000000000000000000000"]  # REF02 too long
    text = compose_837([claim]).replace("DMG*D8*19500101*F", "DMG*D8*19500101*F~\nREF*SY*123-45-6789", 1)
    shown = syntax_findings(parse_text(text))
    values = " ".join(shown["message"].to_list() + [v for v in shown["actual"].to_list() if v])
    assert shown.height > 0
    assert "123-45-6789" not in values and "MRN-0000" not in values


def test_a_repeated_trailer_pyx12_cannot_follow_quarantines_the_file():
    text = compose_837(two_claims())
    text = text.replace("GE*1*1~\n", "GE*1*1~\nGE*1*1~\n")
    with pytest.raises(QuarantineError, match="envelope structure"):
        parse_text(text)


def test_a_line_without_its_own_date_takes_the_claims_first_date_only():
    # 837I: the statement period is DTP*434 RD8; a line without DTP*472 must not inherit the
    # whole period as its own date range (per-date MUEs would be multiplied by its days).
    text = compose_837([Claim("C1", [Line("J2405", 8, 70)], date="20251101")], "837I")
    text = text.replace("DTP*434*RD8*20251101-20251101", "DTP*434*RD8*20251101-20251130")
    text = text.replace("DTP*472*D8*20251101~\n", "")
    count = int(text.split("~\nSE*")[1].split("*")[0])
    text = text.replace(f"~\nSE*{count}*", f"~\nSE*{count - 1}*")  # one segment fewer
    parsed = parse_text(text)
    assert parsed.errors.height == 0
    line = parsed.lines.row(0, named=True)
    assert (line["service_date"], line["service_date_end"]) == (dt.date(2025, 11, 1), dt.date(2025, 11, 1))
    assert parsed.claims["claim_service_date_end"].to_list() == [dt.date(2025, 11, 30)]


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: "\n" + t,  # blank line before ISA: quarantined by the pre-check
        lambda t: t.replace("*00501*", "*00401*", 1),  # a 4010 interchange
        lambda t: t.replace("HL*3*1*22*0", "~HL*3*1*22*0"),  # an empty segment before the 2nd claim
        lambda t: t.replace("*ZZ*SAMPLESUBMIT   *", "*ZZ*SAMPLESUBMIT*", 1),  # ISA not fixed width
        lambda t: t[: t.index("GE*")],  # truncated
        # not fixed width and "|" as the segment terminator
        lambda t: t.replace("~\n", "|").replace("*ZZ*SAMPLESUBMIT   *", "*ZZ*SAMPLESUBMIT*", 1),
    ],
)
def test_claims_of_a_damaged_file_are_found_for_the_accounting(damage):
    from edi.source import claim_ids_in

    text = damage(compose_837(two_claims(), "837P"))
    assert claim_ids_in(text.encode("latin-1")) == ["C1", "C2"]


def test_no_claims_are_invented_from_text_that_is_not_x12():
    from edi.source import claim_ids_in

    assert claim_ids_in(b"Please find this week's claims attached.\nCLM*X*1\n") == []


def test_an_interchange_repeated_in_one_file_is_an_error_not_a_double_bill():
    once = compose_837(two_claims()[:1], "837P", control=1)
    parsed = parse_text(once + once)
    assert parsed.claims["claim_id"].to_list() == ["C1", "C1"]
    dup = parsed.errors.filter(pl.col("code") == "025")
    assert dup.height == 1
    second_isa = once.count("~") + 1  # the first segment of the second copy
    assert dup["position"].to_list() == [second_isa]
    findings = syntax_findings(parsed)
    rejected = findings.filter(pl.col("severity") == "error")["claim_index"].unique().to_list()
    assert rejected == [1]  # the repeat's claim is rejected; the first copy goes on


def test_a_transaction_without_se_followed_by_another_st_is_written_valid():
    first, second = two_claims()
    a = compose_837([first], control=1).split("~\n")
    b = compose_837([second], control=2).split("~\n")
    body_a = a[a.index(next(s for s in a if s.startswith("ST*"))) : -4]  # ST..claim, no SE
    body_b = b[b.index(next(s for s in b if s.startswith("ST*"))) : -3]  # ST..SE
    segments = [*a[:2], *body_a, *body_b, "GE*2*1", "IEA*1*000000001", ""]
    parsed = parse_text("~\n".join(segments))
    assert parsed.claims["claim_id"].to_list() == ["C1", "C2"]
    assert parsed.errors.height > 0  # the missing SE
    for wanted, ids in (([0, 1], ["C1", "C2"]), ([0], ["C1"]), ([1], ["C2"])):
        again = parse_text(render_claims(parsed, wanted).decode("latin-1"))
        assert again.errors.height == 0, again.errors.to_dicts()
        assert again.claims["claim_id"].to_list() == ids


def test_a_missing_iea_before_another_interchange_is_named_so():
    first = compose_837(two_claims()[:1], control=1)
    second = compose_837(two_claims()[1:], control=2)
    cut = first[: first.index("IEA*")]
    with pytest.raises(QuarantineError, match="has no IEA trailer before the next ISA"):
        parse_text(cut + second)


def test_diff_says_which_claims_were_kept_removed_or_changed():
    from edi.diff import diff_claims

    original = parse_text(compose_837(two_claims()))
    scrubbed = parse_text(render_claims(original, [0]).decode("latin-1"))
    rejected = parse_text(render_claims(original, [1]).decode("latin-1"))
    both = diff_claims(original, [scrubbed, rejected])
    assert both.faithful and both.kept == ["C1", "C2"]
    only_first = diff_claims(original, [scrubbed])
    assert (only_first.faithful, only_first.removed) == (False, ["C2"])
    twice = diff_claims(original, [scrubbed, scrubbed, rejected])
    assert twice.duplicated == ["C1"]
    altered = parse_text(render_claims(original, [1]).decode("latin-1").replace(":C3490", ":C3491"))
    changed = diff_claims(original, [scrubbed, altered])
    assert changed.changed == [("C2", ["HI"])]
    assert "changed: C2 (segments HI)" in changed.report()


def test_diff_command_exit_codes(tmp_path, capsys):
    from flows.cli import main

    text = compose_837(two_claims())
    original = tmp_path / "in.837"
    original.write_text(text)
    parsed = parse_text(text)
    first, second = tmp_path / "a.837", tmp_path / "b.837"
    first.write_bytes(render_claims(parsed, [0]))
    second.write_bytes(render_claims(parsed, [1]))
    assert main(["diff", str(original), str(first), str(second)]) == 0
    assert "2 claims identical, every input claim written exactly once" in capsys.readouterr().out
    assert main(["diff", str(original), str(first)]) == 1
    assert "removed (1): C2" in capsys.readouterr().out
    assert main(["diff", str(original), str(tmp_path / "missing.837")]) == 2
    assert "no such file" in capsys.readouterr().err
