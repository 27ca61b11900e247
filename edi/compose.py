"""Composing small, valid 837P/837I interchanges from claim descriptions.

Used to make the shipped synthetic sample inbox and by the tests, which describe a claim in a
few fields and get a complete 005010X222A1 / 005010X223A2 file around it. All names, IDs and
addresses are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    code: str
    charge: float
    units: float
    modifiers: tuple[str, ...] = ()
    date: str | None = None  # CCYYMMDD or a range CCYYMMDD-CCYYMMDD; default: the claim's date
    ndc: str | None = None
    ndc_qualifier: str = "N4"
    ndc_quantity: float | None = None
    ndc_unit: str | None = None
    description: str | None = None
    revenue_code: str = "0636"  # 837I only
    unit_basis: str = "UN"
    prior_auth: str | None = None
    note: str | None = None


@dataclass
class Claim:
    claim_id: str
    lines: list[Line]
    filing_indicator: str = "MB"  # SBR09
    date: str = "20251105"
    place_of_service: str = "11"  # 837P CLM05-1
    bill_type: str = "131"  # 837I CLM05-1 + CLM05-3
    diagnoses: tuple[str, ...] = ("C3490",)
    prior_auth: str | None = None
    total: float | None = None  # CLM02; default: the sum of the line charges
    extra: list[str] = field(default_factory=list)  # raw 2300 segments added after HI


def _amount(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _composite(code: str, modifiers: tuple[str, ...], description: str | None) -> str:
    parts = ["HC", code, *modifiers]
    if description:
        parts += [""] * (4 - len(modifiers)) + [description]
    return ":".join(parts)


def _line_segments(line: Line, number: int, kind: str, claim_date: str) -> list[str]:
    composite = _composite(line.code, line.modifiers, line.description)
    amounts = f"{_amount(line.charge)}*{line.unit_basis}*{_amount(line.units)}"
    if kind == "837P":
        service = f"SV1*{composite}*{amounts}***1"
    else:
        service = f"SV2*{line.revenue_code}*{composite}*{amounts}"
    date = line.date or claim_date
    segments = [f"LX*{number}", service, f"DTP*472*{'RD8' if '-' in date else 'D8'}*{date}"]
    if line.prior_auth:
        segments.append(f"REF*G1*{line.prior_auth}")
    if line.note:
        segments.append(f"NTE*ADD*{line.note}")
    if line.ndc is not None:
        segments.append(f"LIN**{line.ndc_qualifier}*{line.ndc}")
        if line.ndc_quantity is not None:
            segments.append(f"CTP****{_amount(line.ndc_quantity)}*{line.ndc_unit or 'UN'}")
    return segments


def _claim_segments(claim: Claim, kind: str) -> list[str]:
    total = claim.total if claim.total is not None else sum(line.charge for line in claim.lines)
    qualifiers = ["ABK", *["ABF"] * (len(claim.diagnoses) - 1)]
    diagnoses = "*".join(f"{q}:{code}" for q, code in zip(qualifiers, claim.diagnoses, strict=True))
    if kind == "837P":
        segments = [f"CLM*{claim.claim_id}*{_amount(total)}***{claim.place_of_service}:B:1*Y*A*Y*Y"]
        if claim.prior_auth:
            segments.append(f"REF*G1*{claim.prior_auth}")
        segments.append(f"HI*{diagnoses}")
    else:
        segments = [
            f"CLM*{claim.claim_id}*{_amount(total)}***{claim.bill_type[:2]}:A:{claim.bill_type[2:]}**A*Y*Y",
            f"DTP*434*RD8*{claim.date}-{claim.date}",
            "CL1*1*1*01",
        ]
        if claim.prior_auth:
            segments.append(f"REF*G1*{claim.prior_auth}")
        segments.append(f"HI*ABK:{claim.diagnoses[0]}")
        if len(claim.diagnoses) > 1:
            segments.append("HI*" + "*".join(f"ABF:{code}" for code in claim.diagnoses[1:]))
        segments.append("NM1*71*1*ATTENDING*ALEX****XX*1234567893")
    segments += claim.extra
    for number, line in enumerate(claim.lines, start=1):
        segments += _line_segments(line, number, kind, claim.date)
    return segments


def _subscriber(claim: Claim, hl: int, member: int) -> list[str]:
    payer = "MEDICARE" if claim.filing_indicator in ("MA", "MB") else "DEMO HEALTH PLAN"
    return [
        f"HL*{hl}*1*22*0",
        f"SBR*P*18*******{claim.filing_indicator}".rstrip("*"),  # no SBR09: the segment ends at SBR02
        f"NM1*IL*1*SAMPLE*PATIENT{member}****MI*SYNTH{member:05d}",
        "N3*1 SAMPLE WAY",
        "N4*SPRINGFIELD*IL*627010000",
        "DMG*D8*19500101*F",
        f"NM1*PR*2*{payer}*****PI*00952",
    ]


def compose_837(
    claims: list[Claim],
    kind: str = "837P",
    control: int = 1,
    segment_end: str = "~\n",
) -> str:
    """A complete interchange: one ISA/GS/ST, one billing provider, one subscriber per claim."""
    guide = "005010X222A1" if kind == "837P" else "005010X223A2"
    body = [
        f"ST*837*{control:04d}*{guide}",
        f"BHT*0019*00*BATCH{control:04d}*20251105*1200*CH",
        "NM1*41*2*SAMPLE BILLING SERVICE*****46*SAMPLE01",
        "PER*IC*BILLING DESK*TE*5555551212",
        "NM1*40*2*SAMPLE CLEARINGHOUSE*****46*CLEAR01",
        "HL*1**20*1",
        "NM1*85*2*SAMPLE INFUSION CENTER*****XX*1234567893",
        "N3*100 MAIN ST",
        "N4*SPRINGFIELD*IL*627010000",
        "REF*EI*123456789",
    ]
    for number, claim in enumerate(claims, start=1):
        body += _subscriber(claim, number + 1, number)
        body += _claim_segments(claim, kind)
    body.append(f"SE*{len(body) + 1}*{control:04d}")
    isa = (
        "ISA*00*          *00*          *ZZ*SAMPLESUBMIT   *ZZ*SAMPLERECEIVE  *251105*1200*^*00501*"
        f"{control:09d}*0*T*:"
    )
    envelope = [isa, f"GS*HC*SAMPLESUBMIT*SAMPLERECEIVE*20251105*1200*{control}*X*{guide}"]
    trailer = [f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "".join(segment + segment_end for segment in [*envelope, *body, *trailer])
