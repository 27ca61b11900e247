"""Issue 5: control numbers, safe fixes, acknowledgments and the fidelity of what is written.

Expected values come from the rules: the NDC layouts (4-4-2 -> zero before the labeler, 5-3-2 ->
before the product, 5-4-1 -> before the package), X12 envelope rules (IEA02 = ISA13, GE02 = GS06)
and the 999 codes (A accepted, E accepted with errors noted, R rejected, P partially accepted).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import multiprocessing
import threading
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edi.ack import ack_999
from edi.compose import Claim, Line, compose_837
from edi.control import ControlCounter, ControlNumberError, Envelopes
from edi.diff import diff_claims
from edi.fixes import fix_segment
from edi.parse import parse_source
from edi.source import read_source, source_from_bytes
from edi.write import render_claims
from flows.scrub_file import scrub_file
from reference_data.load import load_reference
from reference_data.policy import PolicyError, load_fixes

WHEN = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
BOTH = ("ndc_format", "stray_spaces")


def parse_text(text: str, name: str = "t.837"):
    return parse_source(source_from_bytes(Path(name), text.encode("latin-1")))


def clean_claim(claim_id: str = "OK-1", ndc: str = "50242006001") -> Claim:
    """Bevacizumab (J9035, 10 mg; NDC 50242-060-01 is a 4 mL vial of 10 billing units): two whole
    vials, 8 mL -> 20 units, nothing discarded (JZ), charged above the 2025Q4 limit (73.201 x 20 =
    1464.02), given by chemotherapy infusion 96413 the same day, Medicare Part B."""
    return Claim(
        claim_id,
        [
            Line("J9035", 1500, 20, ("JZ",), ndc=ndc, ndc_quantity=8, ndc_unit="ML"),
            Line("96413", 280, 1),
        ],
        diagnoses=("C189",),
    )


def bad_units_claim(claim_id: str = "BAD-1") -> Claim:
    """The same two vials billed as 40 units instead of 20: UNT001 rejects it."""
    return Claim(
        claim_id,
        [
            Line("J9035", 3000, 40, ("JZ",), ndc="50242006001", ndc_quantity=8, ndc_unit="ML"),
            Line("96413", 280, 1),
        ],
        diagnoses=("C189",),
    )


@pytest.fixture(scope="module")
def reference():
    return load_reference()


# --- control numbers -------------------------------------------------------------------------


def test_counter_starts_at_start_persists_and_never_goes_back(tmp_path):
    state = tmp_path / "state" / "control.json"
    counter = ControlCounter(state, start=500)
    with pytest.raises(ControlNumberError, match="does not exist"):
        counter.take("interchange")  # only a run's check() starts a new counter
    counter.check()
    assert json.loads(state.read_text()) == {"interchange": 0, "group": 0}
    assert counter.take("interchange") == [500]
    assert counter.take("interchange", 2) == [501, 502]
    assert counter.take("group") == [500]
    # a new counter over the same file (the next run) continues; a lower start is ignored
    assert ControlCounter(state, start=1).take("interchange") == [503]
    assert json.loads(state.read_text()) == {"interchange": 503, "group": 500}
    # a higher start jumps forward
    assert ControlCounter(state, start=900).take("interchange") == [900]


def test_counter_refuses_a_damaged_state_file_and_exhaustion(tmp_path):
    state = tmp_path / "control.json"
    state.write_text('{"interchange": "seven"}')
    with pytest.raises(ControlNumberError, match="damaged"):
        ControlCounter(state).take("interchange")
    state.write_text('{"interchange": 999999999, "group": 3}')
    with pytest.raises(ControlNumberError, match="used up"):
        ControlCounter(state).take("interchange")
    with pytest.raises(ControlNumberError, match="between 1 and"):
        ControlCounter(state, start=0)


def test_counter_is_safe_under_parallel_threads(tmp_path):
    counter = ControlCounter(tmp_path / "control.json")
    counter.check()
    taken: list[int] = []
    lock = threading.Lock()

    def draw():
        for _ in range(25):
            number = counter.take("interchange")[0]
            with lock:
                taken.append(number)

    threads = [threading.Thread(target=draw) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(1, 151))


def _draw_in_process(path: str, count: int, queue) -> None:
    counter = ControlCounter(Path(path))
    queue.put([counter.take("group")[0] for _ in range(count)])


def test_counter_is_safe_under_parallel_processes(tmp_path):
    path = str(tmp_path / "control.json")
    ControlCounter(Path(path)).check()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_draw_in_process, args=(path, 20, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    taken = [number for _ in workers for number in queue.get(timeout=120)]
    for worker in workers:
        worker.join()
    assert sorted(taken) == list(range(1, 61))


def test_written_files_get_new_control_numbers_and_keep_every_other_envelope_element(tmp_path):
    text = compose_837([clean_claim("A")], control=7) + compose_837([clean_claim("B")], control=8)
    parsed = parse_text(text)
    counter = ControlCounter(tmp_path / "c.json", start=41)
    counter.check()
    envelopes = Envelopes(counter)
    written = render_claims(parsed, [0, 1], envelopes).decode("latin-1")
    assert envelopes.interchanges == ["000000041", "000000042"] and envelopes.groups == ["41", "42"]
    segments = [s.strip() for s in written.split("~") if s.strip()]
    received = [s.strip() for s in text.split("~") if s.strip()]
    isas = [s.split("*") for s in segments if s.startswith("ISA")]
    originals = [s.split("*") for s in received if s.startswith("ISA")]
    for new, old, number in zip(isas, originals, ["000000041", "000000042"], strict=True):
        assert new[13] == number
        assert new[:13] + new[14:] == old[:13] + old[14:]  # ISA01-12, 14-16 as received
        assert len("*".join(new)) == len("*".join(old))  # still the fixed-width ISA
    gss = [s.split("*") for s in segments if s.startswith("GS")]
    assert [g[6] for g in gss] == ["41", "42"]
    assert [g[:6] + g[7:] for g in gss] == [
        s.split("*")[:6] + s.split("*")[7:] for s in received if s.startswith("GS")
    ]
    assert [s for s in segments if s.startswith(("GE", "IEA"))] == [
        "GE*1*41",
        "IEA*1*000000041",
        "GE*1*42",
        "IEA*1*000000042",
    ]
    assert [s for s in segments if s.startswith("ST")] == [s for s in received if s.startswith("ST")]
    assert parse_text(written).errors.height == 0


# --- safe fixes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written,fixed",
    [
        ("0409-4759-01", "00409475901"),  # 4-4-2: zero before the labeler
        ("50242-060-01", "50242006001"),  # 5-3-2: zero before the product
        ("57894-0030-1", "57894003001"),  # 5-4-1: zero before the package
        ("50242-0060-01", "50242006001"),  # 5-4-2 with hyphens: hyphens dropped
    ],
)
def test_hyphenated_ndc_layouts_become_11_digits(written, fixed):
    assert fix_segment(f"LIN**N4*{written}", "*", ":", BOTH) == (
        f"LIN**N4*{fixed}",
        [("ndc_format", "LIN03", written, fixed)],
    )


@pytest.mark.parametrize(
    "segment,kinds",
    [
        ("LIN**N4*0409475901", BOTH),  # 10 digits without hyphens: the padding place is unknown
        ("LIN**N4*005-170-03125", BOTH),  # not a standard layout
        ("LIN**ND*0409-4759-01", BOTH),  # not an N4 NDC
        ("LIN**N4*0409-4759-01", ("stray_spaces",)),  # the NDC fix switched off
        ("CLM*A1 *100***11:B:1*Y*A*Y*Y", BOTH),  # CLM01 is the submitter's own claim ID
        ("NM1*IL*1*   *JOHN", BOTH),  # an element of spaces only
        ("ISA*00*          *00*          *ZZ*X  ", BOTH),  # the fixed-width ISA
        ("SV1*HC:J9035 *1040*UN*16***1", ("ndc_format",)),  # the space fix switched off
    ],
)
def test_what_is_not_a_safe_fix_is_left_alone(segment, kinds):
    assert fix_segment(segment, "*", ":", kinds) == (segment, [])


def test_stray_spaces_are_removed_per_component_and_nothing_else_changes():
    fixed, applied = fix_segment("SV1*HC: J9035 :JZ*1040* UN*16***1 ", "*", ":", BOTH)
    assert fixed == "SV1*HC:J9035:JZ*1040*UN*16***1"
    assert applied == [
        ("stray_spaces", "SV101", "HC: J9035 :JZ", "HC:J9035:JZ"),
        ("stray_spaces", "SV103", " UN", "UN"),
        ("stray_spaces", "SV107", "1 ", "1"),
    ]


def _scrub(tmp_path, text: str, reference, name: str = "in.837"):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_bytes(text.encode("latin-1"))
    counter = ControlCounter(tmp_path / "control.json", start=100)
    counter.check()
    result = scrub_file(inbox / name, name, out, "test-run", reference, counter, WHEN)
    return result, inbox / name, out


def test_fixes_are_applied_recorded_and_shown_by_diff(tmp_path, reference):
    claim = clean_claim("FIX-1", ndc="50242-060-01")
    text = compose_837([claim]).replace("SV1*HC:J9035:JZ*1500*UN*20", "SV1*HC:J9035 :JZ*1500*UN*20")
    result, source, out = _scrub(tmp_path, text, reference)
    assert (result.accepted, result.rejected) == (1, 0)
    scrubbed = (out / "scrubbed" / "in.837").read_text(encoding="latin-1")
    assert "LIN**N4*50242006001~" in scrubbed and "SV1*HC:J9035:JZ*1500*UN*20" in scrubbed
    findings = pl.read_parquet(out / "exceptions" / "in.837.parquet").sort("rule_id")
    fixes = findings.filter(pl.col("fix_applied"))
    assert fixes.select("rule_id", "claim_id", "line_number", "expected", "actual", "severity").rows() == [
        ("FIX001", "FIX-1", 1, "50242006001", "50242-060-01", "info"),
        ("FIX002", "FIX-1", 1, "HC:J9035:JZ", "HC:J9035 :JZ", "info"),
    ]
    assert findings.filter(pl.col("rule_id") == "NDC002").height == 0
    diff = diff_claims(
        parse_source(read_source(source)), [parse_source(read_source(out / "scrubbed" / "in.837"))]
    )
    assert diff.faithful and diff.kept == []
    assert diff.fixed == [("FIX-1", ["SV101 spaces removed", "LIN03 '50242-060-01' -> '50242006001'"])]
    assert "fixed: FIX-1" in diff.report()
    status = list(csv.DictReader((out / "acks" / "in.837.status.csv").open()))
    assert [(r["claim_id"], r["status"], r["fixes_applied"]) for r in status] == [("FIX-1", "accepted", "2")]


def test_with_the_fixes_switched_off_the_ndc_is_reported_not_changed(tmp_path, reference):
    policy = tmp_path / "payer_policy.toml"
    shipped = Path(load_reference.__code__.co_filename).with_name("payer_policy.toml").read_text()
    policy.write_text(shipped.replace("ndc_format = true", "ndc_format = false"))
    assert load_fixes(policy) == frozenset({"stray_spaces"})
    off = load_reference(policy_path=policy)
    result, _, out = _scrub(tmp_path, compose_837([clean_claim("OFF-1", ndc="50242-060-01")]), off)
    assert (result.accepted, result.rejected) == (0, 1)
    assert "LIN**N4*50242-060-01~" in (out / "rejected" / "in.837").read_text(encoding="latin-1")
    findings = pl.read_parquet(out / "exceptions" / "in.837.parquet")
    assert findings.filter(pl.col("rule_id") == "NDC002")["actual"].to_list() == ["50242-060-01"]
    assert not findings["fix_applied"].any()


def test_fix_switches_are_validated(tmp_path):
    policy = tmp_path / "payer_policy.toml"
    policy.write_text("[fixes]\nndc_format = 'yes'\n")
    with pytest.raises(PolicyError, match="fixes.ndc_format"):
        load_fixes(policy)
    policy.write_text("[fixes]\nunits = true\n")
    with pytest.raises(PolicyError, match="units"):
        load_fixes(policy)


# --- acknowledgments -------------------------------------------------------------------------


def _segments(path: Path) -> list[str]:
    return [s.strip() for s in path.read_text().split("~") if s.strip()]


def _ack(out: Path, *seg_ids: str) -> list[str]:
    """The segments of OUT/acks/in.837.999 with these IDs, in order."""
    return [s for s in _segments(out / "acks" / "in.837.999") if s.split("*")[0] in seg_ids]


def test_999_and_status_for_a_transaction_with_one_good_and_one_rejected_claim(tmp_path, reference):
    # CLM02 "ABC" is not numeric: a pyx12 error inside claim SYN-1 only
    text = compose_837([clean_claim("OK-1"), clean_claim("SYN-1")])
    text = text.replace("CLM*SYN-1*1780*", "CLM*SYN-1*ABC*")
    result, _, out = _scrub(tmp_path, text, reference)
    assert (result.accepted, result.rejected) == (1, 1)
    ack = _segments(out / "acks" / "in.837.999")
    # accepted with errors noted: the transaction's good claim goes on to the payer
    assert _ack(out, "AK1", "AK2", "IK5", "AK9") == [
        "AK1*HC*1*005010X222A1",
        "AK2*837*0001*005010X222A1",
        "IK5*E*5",
        "AK9*E*1*1*1",
    ]
    # SYN-1's CLM is the transaction's 35th segment (ST, 16 header/provider/subscriber segments,
    # OK-1's 10 claim segments, SYN-1's HL, SBR, NM1, N3, N4, DMG, NM1, then CLM); CLM02 (element
    # 782) not numeric (IK403 6): a charge is no patient data, so IK404 copies it
    assert "IK3*CLM*35**8" in ack and "IK4*2*782*6*ABC" in ack
    # our control numbers: the scrubbed and rejected files took 100 and 101, the 999 the next
    assert result.controls == {"scrubbed": ["000000100"], "rejected": ["000000101"], "999": ["000000102"]}
    isa = ack[0].split("*")
    assert (isa[9], isa[10], isa[13]) == ("261204", "0930", "000000102")
    assert ack[-1] == "IEA*1*000000102"
    assert parse_source(read_source(out / "acks" / "in.837.999")).errors.height == 0
    status = list(csv.DictReader((out / "acks" / "in.837.status.csv").open()))
    assert [(r["claim_id"], r["status"], r["sent_file"], r["sent_interchange_control"]) for r in status] == [
        ("OK-1", "accepted", "scrubbed/in.837", "000000100"),
        ("SYN-1", "rejected", "rejected/in.837", "000000101"),
    ]
    assert status[1]["reasons"].startswith("SYN001 (error, CO-16)") and status[0]["reasons"] == ""


def test_999_is_a_rejection_when_no_claim_of_the_transaction_goes_on(tmp_path, reference):
    text = compose_837([clean_claim("SYN-1")]).replace("CLM*SYN-1*1780*", "CLM*SYN-1*ABC*")
    _, _, out = _scrub(tmp_path, text, reference)
    assert _ack(out, "IK5", "AK9") == ["IK5*R*5", "AK9*R*1*1*0"]


def test_999_accepts_a_clean_file_even_when_rules_reject_claims(tmp_path, reference):
    # the 999 acknowledges the X12; the rules' rejections are in the status file
    _, _, out = _scrub(tmp_path, compose_837([clean_claim("OK-1"), bad_units_claim("BAD-1")]), reference)
    assert _ack(out, "IK5", "AK9") == ["IK5*A", "AK9*A*1*1*1"]
    status = {r["claim_id"]: r for r in csv.DictReader((out / "acks" / "in.837.status.csv").open())}
    assert (
        status["BAD-1"]["status"] == "rejected"
        and "UNT001 (error, CO-16) line 1" in status["BAD-1"]["reasons"]
    )


def test_group_with_accepted_and_rejected_transactions_is_partially_accepted(tmp_path):
    good = compose_837([clean_claim("OK-1")], control=1)
    bad = compose_837([clean_claim("SYN-1")], control=2).replace("CLM*SYN-1*1780*", "CLM*SYN-1*ABC*")
    # one group with both transactions: take the second file's ST..SE into the first's GS
    st_bad = bad[bad.index("ST*837") : bad.index("GE*")]
    text = good.replace("GE*1*1", st_bad + "GE*2*1")
    parsed = parse_text(text)
    assert parsed.claims.height == 2
    counter = ControlCounter(tmp_path / "c.json")
    counter.check()
    sent_st = parsed.segments.filter(pl.col("seg_id") == "ST")["position"][0]  # the first transaction's
    ack = [s.strip() for s in ack_999(parsed, [sent_st], [], Envelopes(counter), WHEN).split("~")]
    assert [s for s in ack if s.startswith(("IK5", "AK9"))] == ["IK5*A", "IK5*R*5", "AK9*P*2*2*1"]


# --- the fidelity property over generated files ----------------------------------------------

ENVELOPE_CONTROLS = {"ISA": 13, "GS": 6, "GE": 2, "IEA": 2}


def _variant(kind: str, claim_id: str) -> tuple[Claim, str | None, bool]:
    """(claim, a text edit to make after composing, whether the edit is a safe fix)."""
    if kind == "clean":
        return clean_claim(claim_id), None, False
    if kind == "units":
        return bad_units_claim(claim_id), None, False
    if kind == "hyphen_ndc":
        return clean_claim(claim_id, ndc="50242-060-01"), None, True
    if kind == "stray_space":
        return clean_claim(claim_id), "space", True
    return clean_claim(claim_id), "syntax", False  # CLM02 not numeric: a pyx12 error in the claim


def _generated(kinds: list[str], control: int, separators: tuple[str, str], segment_end: str, split: int = 0):
    """The claims G-1, G-2 ... of `kinds`; with `split` > 0 the first `split` claims in one
    interchange and the rest in a second one (control + 1)."""
    claims, edits = [], []
    for number, kind in enumerate(kinds, start=1):
        claim, edit, _ = _variant(kind, f"G-{number}")
        claims.append(claim)
        edits.append((f"G-{number}", edit))
    groups = [claims[:split], claims[split:]] if 0 < split < len(claims) else [claims]
    text = "".join(
        compose_837(group, control=control + n, segment_end=segment_end) for n, group in enumerate(groups)
    )
    for claim_id, edit in edits:
        head = f"CLM*{claim_id}*1780*"
        if edit == "syntax":
            text = text.replace(head, f"CLM*{claim_id}*ABC*")
        elif edit == "space":
            start = text.index(head)
            text = text[:start] + text[start:].replace("*1500*UN*20*", "*1500* UN*20*", 1)
    element, component = separators
    return text.replace("*", element).replace(":", component)


def _billed(lines: pl.DataFrame) -> list[tuple]:
    columns = ["claim_id", "line_number", "procedure_code", "modifier_1", "modifier_2", "unit_basis"]
    columns += ["units", "charge", "ndc", "ndc_quantity", "ndc_unit"]
    return sorted(lines.select(columns).rows())


def _without_envelope_controls(text: str, element: str, terminator: str) -> list[list[str]]:
    """The file's segments as received (line breaks included), control numbers masked."""
    rows = []
    for segment in text.split(terminator):
        elements = segment.split(element)
        seg_id = elements[0].strip()
        if seg_id in ENVELOPE_CONTROLS:
            elements[ENVELOPE_CONTROLS[seg_id]] = "#"
        rows.append(elements)
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(
        st.sampled_from(["clean", "units", "hyphen_ndc", "stray_space", "syntax"]), min_size=1, max_size=4
    ),
    control=st.integers(min_value=1, max_value=999_999_998),
    separators=st.sampled_from([("*", ":"), ("|", ">"), ("!", "}")]),
    segment_end=st.sampled_from(["~\n", "~", "~\r\n"]),
    split=st.integers(min_value=0, max_value=3),
)
def test_generated_files_come_out_faithful(
    tmp_path_factory, reference, kinds, control, separators, segment_end, split
):
    text = _generated(kinds, control, separators, segment_end, split)
    work = tmp_path_factory.mktemp("generated")
    result, source, out = _scrub(work, text, reference)
    assert result.status == "processed"
    outputs = [out / "scrubbed" / "in.837", out / "rejected" / "in.837"]
    written = [parse_source(read_source(p)) for p in outputs if p.exists()]
    # every input claim is in exactly one output, unchanged except for the safe fixes
    diff = diff_claims(parse_source(read_source(source)), written)
    assert diff.faithful, diff.report()
    fixed_kinds = {kind for kind in kinds if kind in ("hyphen_ndc", "stray_space")}
    assert len(diff.fixed) == sum(kind in fixed_kinds for kind in kinds)
    # independently of the fix code: what is billed went out as received (spaces aside), and the
    # one hyphenated NDC went out in its 11-digit form (50242-060-01 is 5-3-2: 50242 0060 01)
    received = parse_source(read_source(source)).lines
    expected_billed = _billed(
        received.with_columns(
            pl.col(c).str.strip_chars(" ") for c in ("procedure_code", "modifier_1", "unit_basis", "ndc")
        ).with_columns(pl.col("ndc").replace({"50242-060-01": "50242006001"}))
    )
    assert sorted(row for w in written for row in _billed(w.lines)) == expected_billed
    # each claim is accounted for once, with the disposition its kind calls for
    claims = pl.read_parquet(out / "claims" / "in.837.parquet")
    expected = ["rejected" if kind in ("units", "syntax") else "accepted" for kind in kinds]
    assert claims["claim_id"].to_list() == [f"G-{n}" for n in range(1, len(kinds) + 1)]
    assert claims["disposition"].to_list() == expected
    # what goes to the payer, and the 999, are valid X12; rejected claims keep only their own errors
    assert result.output_check.get("scrubbed", 0) == 0
    if "syntax" not in kinds:
        assert result.output_check.get("rejected", 0) == 0
    assert parse_source(read_source(out / "acks" / "in.837.999")).errors.height == 0
    # a file with nothing to reject or fix comes out identical but for its control numbers
    if set(kinds) == {"clean"}:
        element = separators[0]
        scrubbed = (out / "scrubbed" / "in.837").read_bytes().decode("latin-1")  # line breaks as written
        assert _without_envelope_controls(scrubbed, element, "~") == _without_envelope_controls(
            text, element, "~"
        )


def test_999_names_a_bad_birth_date_without_copying_it(tmp_path, reference):
    text = compose_837([clean_claim("DOB-1")]).replace("DMG*D8*19500101*F", "DMG*D8*19501399*F")
    _, _, out = _scrub(tmp_path, text, reference)
    ack = _segments(out / "acks" / "in.837.999")
    ik = _ack(out, "IK3", "IK4")
    assert ik and ik[0].startswith("IK3*DMG*")
    assert all("19501399" not in s for s in ack)
    assert any(s.startswith("IK4*2*1251*8") for s in ik)  # DMG02 (element 1251): invalid date


def test_999_stays_valid_when_a_segment_id_is_unrecognized(tmp_path, reference):
    # "NTEX" is no segment: pyx12 reports it (IK304 1, unrecognized segment ID); IK301 holds at
    # most three characters, so the 999 names "NTE" at the segment's position
    text = compose_837([clean_claim("SEG-1")]).replace("DTP*472*D8*20251105~\nLIN", "NTEX*ADD*X~\nLIN", 1)
    _, _, out = _scrub(tmp_path, text, reference)
    ack = _segments(out / "acks" / "in.837.999")
    assert [s.split("*")[1] for s in ack if s.startswith("IK3")][:1] == ["NTE"]
    assert parse_source(read_source(out / "acks" / "in.837.999")).errors.height == 0


def _three_transactions(first_st: str) -> str:
    """One group of three transactions: the first with ST `first_st`, the second with claims
    Y-1 (CLM02 not numeric) and Y-2 (clean), the third with Z-1 (CLM02 not numeric)."""
    parts = [
        compose_837([clean_claim("X-1")], control=1),
        compose_837([clean_claim("Y-1"), clean_claim("Y-2")], control=2),
        compose_837([clean_claim("Z-1")], control=3),
    ]
    bodies = [p[p.index("ST*837") : p.index("GE*")] for p in parts]
    bodies[0] = bodies[0].replace("ST*837*0001*005010X222A1", first_st, 1)
    head = parts[0][: parts[0].index("ST*837")]
    text = head + "".join(bodies) + "GE*3*1~\nIEA*1*000000001~\n"
    return text.replace("CLM*Y-1*1780*", "CLM*Y-1*ABC*").replace("CLM*Z-1*1780*", "CLM*Z-1*ABC*")


def test_999_codes_follow_each_transaction_even_when_pyx12_cannot_place_one(tmp_path, reference):
    # the first transaction is an 835 inside an 837 group: pyx12 keeps no node for it, so the
    # transactions after it must be matched by position, not by counting, and the 835 is
    # acknowledged as not supported (IK502 1)
    _, _, out = _scrub(tmp_path, _three_transactions("ST*835*0001*005010X221A1"), reference)
    assert _ack(out, "AK2", "IK5", "AK9") == [
        "AK2*835*0001*005010X221A1",
        "IK5*R*1",
        "AK2*837*0002*005010X222A1",
        "IK5*E*5",  # Y-2 went on to the payer
        "AK2*837*0003*005010X222A1",
        "IK5*R*5",  # nothing of it went on
        "AK9*P*3*3*1",  # three received, one accepted (with errors), two rejected
    ]
    assert parse_source(read_source(out / "acks" / "in.837.999")).errors.height == 0


def test_a_transaction_without_st03_is_acknowledged_with_the_groups_guide(tmp_path, reference):
    text = compose_837([clean_claim("NO-ST03")]).replace("ST*837*0001*005010X222A1", "ST*837*0001", 1)
    result, _, out = _scrub(tmp_path, text, reference)
    assert result.accepted == 1 and result.notes == []
    assert _ack(out, "AK2") == ["AK2*837*0001*005010X222A1"]


def test_999_withholds_subscriber_values(tmp_path, reference):
    # SBR04 (the group name) is limited to 60 characters; pyx12 reports the value as too long,
    # and the 999 must name the element without copying the subscriber's group name
    group = "JOHN Q MEMBER GROUP NAME " * 3
    text = compose_837([clean_claim("SBR-1")]).replace("SBR*P*18*******MB", f"SBR*P*18**{group}*****MB", 1)
    _, _, out = _scrub(tmp_path, text, reference)
    ack = (out / "acks" / "in.837.999").read_text()
    assert "IK3*SBR*" in ack and "IK4*4*93*" in ack
    assert "MEMBER" not in ack


def test_a_bad_group_trailer_rejects_the_group_in_the_999(tmp_path, reference):
    text = compose_837([clean_claim("GE-1")]).replace("GE*1*1~", "GE*2*1~")  # GE01 counts 2 transactions
    result, _, out = _scrub(tmp_path, text, reference)
    assert result.rejected == 1  # SYN001/SYN004: the claim cannot go out with a broken group
    # rejected, GE01 count wrong (AK905 5), and no transaction counted as accepted
    assert _ack(out, "AK9")[0] == "AK9*R*2*1*0*5"


def test_a_bad_interchange_trailer_rejects_its_groups_in_the_999(tmp_path, reference):
    text = compose_837([clean_claim("IEA-1")]).replace("IEA*1*000000001", "IEA*2*000000001")  # one group
    result, _, out = _scrub(tmp_path, text, reference)
    assert result.rejected == 1
    assert _ack(out, "AK9")[0] == "AK9*R*1*1*0"


def test_a_repeated_isa13_rejects_the_second_interchange_in_the_999(tmp_path, reference):
    # the same interchange control number twice in one file (X12 TA1 code 025): the second
    # interchange's claims are not sent, and its acknowledgment says so
    text = compose_837([clean_claim("FIRST-1")], control=7) + compose_837([clean_claim("AGAIN-1")], control=7)
    result, _, out = _scrub(tmp_path, text, reference)
    assert (result.accepted, result.rejected) == (1, 1)
    ack = _segments(out / "acks" / "in.837.999")
    assert _ack(out, "AK9") == ["AK9*A*1*1*1", "AK9*R*1*1*0"]
    assert [s.split("*")[13] for s in ack if s.startswith("ISA")] == ["000000102", "000000103"]
    assert parse_source(read_source(out / "acks" / "in.837.999")).errors.height == 0


def test_999_does_not_copy_a_patient_control_number(tmp_path, reference):
    # CLM01 holds at most 38 characters; the 999 names the element without copying the value
    claim_id = "ACCT" + "7" * 40
    _, _, out = _scrub(tmp_path, compose_837([clean_claim(claim_id)]), reference)
    ack = _segments(out / "acks" / "in.837.999")
    assert any(s.startswith("IK4*1*1028*") for s in ack)
    assert all(claim_id not in s and "7777" not in s for s in ack)


def test_999_withholds_subscriber_values_in_a_later_interchange(tmp_path):
    # the subscriber loop is known by file position; in the second interchange pyx12 counts lines
    # from that interchange's ISA, so the positions must be shifted to match. Only the second SBR's
    # file position is passed as patient data: unshifted, it would name no line of its interchange.
    group = "JOHN Q MEMBER GROUP NAME " * 3
    second = compose_837([clean_claim("SBR-2")], control=2).replace(
        "SBR*P*18*******MB", f"SBR*P*18**{group}*****MB", 1
    )
    parsed = parse_text(compose_837([clean_claim("SBR-1")], control=1) + second)
    sbr = parsed.segments.filter(pl.col("seg_id") == "SBR")["position"].to_list()
    counter = ControlCounter(tmp_path / "c.json")
    counter.check()
    ack = ack_999(parsed, [], sbr[1:], Envelopes(counter), WHEN)
    assert "IK3*SBR*" in ack and "IK4*4*93*" in ack
    assert "MEMBER" not in ack
    # the same file without the position: the value is copied (SBR04 is not withheld by name)
    assert "MEMBER" in ack_999(parsed, [], [], Envelopes(counter), WHEN)


def _clean_three() -> str:
    """`_three_transactions` with every claim clean: X-1, then Y-1 and Y-2, then Z-1."""
    text = _three_transactions("ST*837*0001*005010X222A1")
    return text.replace("CLM*Y-1*ABC*", "CLM*Y-1*1780*").replace("CLM*Z-1*ABC*", "CLM*Z-1*1780*")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # no ST01: no AK2 can name it, but AK9 counts it rejected (three received, two accepted)
        (
            ("ST*837*0002*", "ST**0002*"),
            ["AK2*837*0001*005010X222A1", "IK5*A", "AK2*837*0003*005010X222A1", "IK5*A", "AK9*P*3*3*2"],
        ),
        # no ST02 (nor ST03): named by its SE02; IK502 3 (ST and SE control numbers differ) and
        # 7 (control number missing)
        (
            ("ST*837*0002*005010X222A1", "ST*837"),
            [
                "AK2*837*0001*005010X222A1",
                "IK5*A",
                "AK2*837*0002*005010X222A1",
                "IK5*R*3*7",
                "AK2*837*0003*005010X222A1",
                "IK5*A",
                "AK9*P*3*3*2",
            ],
        ),
        # the first transaction has no SE: IK502 2 (trailer missing); each AK2 has its own ST02
        (
            ("SE*28*0001~\n", ""),
            [
                "AK2*837*0001*005010X222A1",
                "IK5*R*2",
                "AK2*837*0002*005010X222A1",
                "IK5*A",
                "AK2*837*0003*005010X222A1",
                "IK5*A",
            ],
        ),
    ],
    ids=["no-st01", "no-st02", "no-se"],
)
def test_999_names_and_counts_transactions_with_a_damaged_header_or_trailer(
    tmp_path, reference, edit, expected
):
    _, _, out = _scrub(tmp_path, _clean_three().replace(*edit, 1), reference)
    ack = _ack(out, "AK2", "IK5", "AK9")
    assert ack[: len(expected)] == expected
    assert parse_source(read_source(out / "acks" / "in.837.999")).errors.height == 0


def test_a_transaction_that_cannot_be_named_is_not_sent(tmp_path, reference):
    # neither ST02 nor SE02: pyx12 sees nothing wrong (both empty), but no payer could trace or
    # acknowledge the transaction: its claims Y-1 and Y-2 are rejected, and AK9 counts it
    text = _clean_three().replace("ST*837*0002*005010X222A1", "ST*837", 1).replace("SE*45*0002", "SE*45", 1)
    result, _, out = _scrub(tmp_path, text, reference)
    assert (result.accepted, result.rejected) == (2, 2)
    assert _ack(out, "AK2", "AK9") == [
        "AK2*837*0001*005010X222A1",
        "AK2*837*0003*005010X222A1",
        "AK9*P*3*3*2",
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # a stray segment after X-1's SE: pyx12 files it with X-1's transaction, and so do the
        # claim rules (X-1 is rejected): IK5 R, the group partially accepted
        (
            ("SE*28*0001~\n", "SE*28*0001~\nREF*EI*123456789~\n"),
            ["AK2*837*0001*005010X222A1", "IK3*REF*28**1", "IK5*R*5", "AK2*837*0002*005010X222A1", "IK5*A"]
            + ["AK2*837*0003*005010X222A1", "IK5*A", "AK9*P*3*3*2"],
        ),
        # a stray subscriber name between GS and the first ST is no transaction of its own
        (
            ("ST*837*0001*", "NM1*IL*1*DOE*JOHN****MI*123456789~\nST*837*0001*"),
            ["AK2*837*0001*005010X222A1", "IK5*A", "AK2*837*0002*005010X222A1", "IK5*A"]
            + ["AK2*837*0003*005010X222A1", "IK5*A", "AK9*A*3*3*3"],
        ),
        # after the GE: pyx12 and the claim rules file it with the group's last transaction (Z-1
        # is rejected), and the 999 must say so rather than drop it
        (
            ("GE*3*1~\n", "GE*3*1~\nREF*EI*123456789~\n"),
            ["AK2*837*0001*005010X222A1", "IK5*A", "AK2*837*0002*005010X222A1", "IK5*A"]
            + ["AK2*837*0003*005010X222A1", "IK3*REF*28**1", "IK5*R*5", "AK9*P*3*3*2"],
        ),
    ],
    ids=["after-se", "before-first-st", "after-ge"],
)
def test_999_with_a_segment_outside_every_transaction(tmp_path, reference, edit, expected):
    _, _, out = _scrub(tmp_path, _clean_three().replace(*edit, 1), reference)
    assert _ack(out, "AK2", "IK3", "IK5", "AK9") == expected
    assert "DOE" not in (out / "acks" / "in.837.999").read_text()


def test_a_stray_segment_between_interchanges_is_acknowledged_where_its_claims_are_rejected(
    tmp_path, reference
):
    first = compose_837([clean_claim("I1-1")], control=1)
    second = compose_837([clean_claim("I2-1")], control=2)
    result, _, out = _scrub(tmp_path, first + "REF*EI*123456789~\n" + second, reference)
    status = {r["claim_id"]: r["status"] for r in csv.DictReader((out / "acks" / "in.837.status.csv").open())}
    assert status == {"I1-1": "rejected", "I2-1": "accepted"}
    assert _ack(out, "IK5", "AK9") == ["IK5*R*5", "AK9*R*1*1*0", "IK5*A", "AK9*A*1*1*1"]


def test_a_control_number_the_999_cannot_carry_is_an_error(tmp_path, reference):
    # ST02 is AN 4-9: ten digits cannot be acknowledged (AK202), so the claims are not sent
    text = _clean_three().replace("ST*837*0002*", "ST*837*0000000002*", 1)
    text = text.replace("SE*45*0002", "SE*45*0000000002", 1)
    result, _, out = _scrub(tmp_path, text, reference)
    assert (result.accepted, result.rejected) == (2, 2)
    assert _ack(out, "AK9") == ["AK9*P*3*3*2"]


def test_the_group_after_a_group_without_its_trailer_is_acknowledged_by_its_own_gs06(tmp_path, reference):
    first = compose_837([clean_claim("G1-1")], control=1)
    second = compose_837([clean_claim("G2-1")], control=2)
    group_2 = second[second.index("GS*") : second.index("IEA*")]
    assert "*2*X*005010X222A1" in group_2 and "GE*1*2" in group_2  # GS06 2
    text = first.replace("GE*1*1~\n", "").replace("IEA*1*", group_2 + "IEA*2*")
    _, _, out = _scrub(tmp_path, text, reference)
    assert _ack(out, "AK1") == ["AK1*HC*1*005010X222A1", "AK1*HC*2*005010X222A1"]


@pytest.mark.parametrize(
    ("clean", "se_edit", "expected_z"),
    [
        # Z-1's CLM02 not numeric; the 835's SE as sent
        (False, ("", ""), ["IK3*CLM*18**8", "IK5*R*5", "AK9*P*3*3*1"]),
        # every claim clean; the 835's SE01 count is wrong too: that is the 835's error
        (True, ("SE*45*0002", "SE*99*0002"), ["IK5*A", "AK9*P*3*3*2"]),
    ],
    ids=["as-sent", "bad-835-trailer"],
)
def test_an_unplaceable_transaction_mid_group_does_not_lend_its_errors_to_the_one_before(
    tmp_path, reference, clean, se_edit, expected_z
):
    # X-1 is clean; the 835 after it is read by pyx12 as more segments of X-1's transaction
    text = _clean_three() if clean else _three_transactions("ST*837*0001*005010X222A1")
    text = text.replace("ST*837*0002*005010X222A1", "ST*835*0002*005010X221A1", 1).replace(*se_edit, 1)
    _, _, out = _scrub(tmp_path, text, reference)
    assert _ack(out, "AK2", "IK3", "IK5", "AK9") == [
        "AK2*837*0001*005010X222A1",
        "IK5*A",
        "AK2*835*0002*005010X221A1",
        "IK5*R*1",
        "AK2*837*0003*005010X222A1",
        *expected_z,
    ]


def test_a_group_without_its_trailer_is_rejected_with_ak905_3(tmp_path, reference):
    # GE missing: nothing in GE01 (AK902 0), one transaction received (AK903), none accepted,
    # AK905 3 (functional group trailer missing)
    _, _, out = _scrub(tmp_path, compose_837([clean_claim("NOGE-1")]).replace("GE*1*1~\n", ""), reference)
    assert _ack(out, "AK9") == ["AK9*R*0*1*0*3"]


def test_999_does_not_copy_free_text(tmp_path, reference):
    # K3 (fixed-format information, 80 characters at most) can hold anything the practice typed
    k3 = "K3*PATIENT JOHN Q MEMBER DOB 01011950 MRN 12345 " + "X" * 50
    text = compose_837([clean_claim("K3-1")]).replace("HI*", k3 + "~\nHI*", 1)
    _, _, out = _scrub(tmp_path, text, reference)
    ack = _ack(out, "IK3", "IK4")
    assert ack[0].startswith("IK3*K3*") and ack[1].startswith("IK4*1*449*5")  # K301 too long
    assert all("MEMBER" not in s and "01011950" not in s for s in ack)


def test_999_does_not_copy_a_service_description(tmp_path, reference):
    # SV101-7, the free-text description of an unlisted drug (80 characters at most)
    text_line = "FOR PATIENT JOHN Q MEMBER DOB 01011950 " + "X" * 50
    claim = Claim(
        "DESC-1",
        [
            Line("J3490", 100, 1, description=text_line, ndc="50242006001", ndc_quantity=1, ndc_unit="ML"),
            Line("96413", 280, 1),
        ],
        diagnoses=("C189",),
    )
    _, _, out = _scrub(tmp_path, compose_837([claim]), reference)
    ack = _ack(out, "IK3", "IK4")
    assert ack[0].startswith("IK3*SV1*") and ack[1] == "IK4*1:7*352*5"  # too long, value withheld


def test_ack_999_leaves_the_parsed_file_as_it_was(tmp_path):
    # the same parsed file acknowledged twice: once with its transaction sent on, once without
    text = compose_837([clean_claim("TWICE-1")]).replace("CLM*TWICE-1*1780*", "CLM*TWICE-1*ABC*")
    parsed = parse_text(text)
    st = parsed.segments.filter(pl.col("seg_id") == "ST")["position"][0]
    counter = ControlCounter(tmp_path / "c.json")
    counter.check()

    def codes(forwarded):
        ack = ack_999(parsed, forwarded, [], Envelopes(counter), WHEN)
        return [s.strip() for s in ack.split("~") if s.strip().startswith(("IK5", "AK9"))]

    assert codes([st]) == ["IK5*E*5", "AK9*E*1*1*1"]
    assert codes([]) == ["IK5*R*5", "AK9*R*1*1*0"]


def test_a_999_that_would_not_be_valid_x12_is_not_written(tmp_path, reference):
    # the input uses "|" and its sender ID holds "*", the 999's element separator
    text = compose_837([clean_claim("STAR-1")]).replace("*", "|")
    text = text.replace("ZZ|SAMPLESUBMIT   ", "ZZ|SAMPLE*SUBMIT  ", 1)
    result, _, out = _scrub(tmp_path, text, reference)
    assert result.accepted == 1 and (out / "scrubbed" / "in.837").exists()
    assert len(result.notes) == 1 and result.notes[0].startswith("no 999: it would not be readable X12")
    assert not (out / "acks" / "in.837.999").exists() and "999" not in result.outputs


def test_error_lines_are_relative_to_their_interchange(tmp_path):
    # what ack_999 relies on: a segment error's line plus its tree's file_offset is the segment's
    # file position, in the second interchange as in the first
    second = compose_837([clean_claim("B-1")], control=2).replace("CLM*B-1*1780*", "CLM*B-1*ABC*")
    parsed = parse_text(compose_837([clean_claim("A-1")], control=1) + second)
    clm_b = parsed.segments.filter(pl.col("raw").str.starts_with("CLM*B-1"))["position"][0]
    tree = parsed.error_trees[1]
    (err_seg,) = tree.children[0].children[0].children[0].children
    assert (err_seg.seg_id, err_seg.cur_line + tree.file_offset) == ("CLM", clm_b)
    assert tree.file_offset == parsed.segments.filter(pl.col("seg_id") == "IEA")["position"][0]


def test_a_999_that_cannot_be_numbered_is_a_note_and_the_claims_still_go_out(tmp_path, reference):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "in.837").write_text(compose_837([clean_claim("LAST-1")]))
    counter = ControlCounter(tmp_path / "control.json", start=999_999_999)  # one number left
    counter.check()
    result = scrub_file(inbox / "in.837", "in.837", out, "test-run", reference, counter, WHEN)
    assert result.accepted == 1 and result.controls["scrubbed"] == ["999999999"]
    # the counter's own reason, not a guess about pyx12
    assert result.notes == [
        f"no 999: interchange control numbers are used up (999999999 reached in {tmp_path / 'control.json'})"
    ]
    assert "999" not in result.outputs and not (out / "acks" / "in.837.999").exists()
    assert (out / "scrubbed" / "in.837").exists() and (out / "acks" / "in.837.status.csv").exists()


def test_status_rows_follow_the_file_order_of_claims(tmp_path, reference):
    claims = [clean_claim("Z-9"), bad_units_claim("A-1"), clean_claim("M-5")]
    _, _, out = _scrub(tmp_path, compose_837(claims), reference)
    rows = list(csv.DictReader((out / "acks" / "in.837.status.csv").open()))
    assert [(r["claim_id"], r["status"]) for r in rows] == [
        ("Z-9", "accepted"),
        ("A-1", "rejected"),
        ("M-5", "accepted"),
    ]


def test_diff_pairs_claims_that_share_a_clm01_by_their_fixes():
    # two received claims DUP-1, both with a hyphenated NDC; the 20-unit one is written first.
    # Pairing it with the first received DUP-1 (40 units) would report a changed claim.
    received = compose_837([bad_units_claim("DUP-1"), clean_claim("DUP-1")]).replace(
        "N4*50242006001", "N4*50242-060-01"
    )
    written = [
        parse_text(compose_837([clean_claim("DUP-1")])),
        parse_text(compose_837([bad_units_claim("DUP-1")])),
    ]
    diff = diff_claims(parse_text(received), written)
    assert diff.changed == [] and diff.removed == [] and diff.duplicated == []
    assert [claim_id for claim_id, _ in diff.fixed] == ["DUP-1", "DUP-1"]
    assert all(fixes == ["LIN03 '50242-060-01' -> '50242006001'"] for _, fixes in diff.fixed)
    assert diff.faithful
