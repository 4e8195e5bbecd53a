"""Eastmere: a second fictional council whose eleven systems are named and laid out as their products write
them (issue 12 item 7). Its config folder is resident_index/councils/eastmere/.

Each system below re-renders one Northbridge system's extract: another file format, other column names,
other codes (council tax liability order 1/2 and an SPD discount code, tenants T1/T2/HM, claim roles CLT/PTR,
a child "Subject" with a "Mother"/"Father"/"Carer"), other date formats, and names written another way
(forename first where Northbridge writes "SURNAME, Forename", separate columns where it writes one, the
pupil and a parent in one admissions row). Eastmere ships one snapshot: its first delivery.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from resident_index.synthetic.layouts import Place, System, identity_ids

PLACE = Place(town="EASTMERE", postcode_area="EM")
SNAPSHOTS = 1
#: Eastmere's gazetteer is its LLPG team's property list, a CSV in its own columns (no coordinates in
#: degrees), read through data/reference/gazetteer.yaml's column map (docs/gazetteer.md)
GAZETTEER_FILE = "eastmere_property_list.csv"
GAZETTEER_COLUMNS = {"uprn": "UPRN", "parent_uprn": "PARENT_UPRN", "sao": "SUB_BUILDING", "pao": "BUILDING",
                     "street": "STREET", "locality": "LOCALITY", "town": "TOWN", "postcode": "POSTCODE",
                     "ward": "WARD_NAME", "polling_district": "POLLING_DISTRICT", "easting": "X_COORD",
                     "northing": "Y_COORD", "property_type": "PROPERTY_CLASS", "address_text": "FULL_ADDRESS"}


def write_gazetteer(llpg: pl.DataFrame, reference: Path) -> None:
    """The property list and the gazetteer.yaml that says how to read it."""
    reference.mkdir(parents=True, exist_ok=True)
    out = llpg.select(**{column: pl.col(canonical).replace("", None) for canonical, column in GAZETTEER_COLUMNS.items()})
    out.write_csv(reference / GAZETTEER_FILE)
    lines = ["# Eastmere's gazetteer: the LLPG team's property list (docs/gazetteer.md, format csv)",
             "format: csv", f"file: {GAZETTEER_FILE}", "columns:"]
    lines += [f"  {canonical}: {column}" for canonical, column in GAZETTEER_COLUMNS.items()]
    (reference / "gazetteer.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _date(column: str, source: str, target: str) -> pl.Expr:
    """A Northbridge date re-written in Eastmere's format (text that is no date is kept as it is)."""
    parsed = pl.col(column).str.strptime(pl.Date, source, strict=False).dt.strftime(target)
    return pl.coalesce(parsed, pl.col(column))


def _code(column: str, codes: dict[str, str]) -> pl.Expr:
    return pl.col(column).replace(codes)


def _surname_first(column: str) -> tuple[pl.Expr, pl.Expr]:
    """(surname, forenames) of a "SURNAME, FORENAMES" name; a name with no comma is all surname."""
    parts = pl.col(column).str.split_exact(", ", 1)
    return parts.struct.field("field_0"), parts.struct.field("field_1")


def _nhs_digits(column: str) -> pl.Expr:
    return pl.col(column).str.replace_all(" ", "")


def _ni_spaced(column: str) -> pl.Expr:
    """AB123456C written AB 12 34 56 C, as some benefits systems print it."""
    return pl.col(column).str.replace(r"^([A-Z]{2})(\d{2})(\d{2})(\d{2})([A-D])$", "$1 $2 $3 $4 $5")


def _keep_ids(old: str):
    def wrap(fn):
        def relayout(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
            return fn(frame), identity_ids(frame, old)
        return relayout
    return wrap


@_keep_ids("LIABLE_PARTY_REF")
def _northgate_revs(f: pl.DataFrame) -> pl.DataFrame:
    surname, forenames = _surname_first("LIABLE_NAME")
    name = pl.concat_str([pl.col("TITLE"), forenames, surname], separator=" ", ignore_nulls=True).str.to_titlecase()
    return f.select(
        AccountNo=pl.col("ACCOUNT_REF"),
        PersonNo=pl.col("LIABLE_PARTY_REF"),
        LiableOrder=_code("LIABILITY_TYPE", {"LEAD": "1", "JOINT": "2"}),
        PartyName=name,
        PropRef=pl.col("PROPERTY_REF"),
        UPRN=pl.col("UPRN"),
        **{f"PropAddr{i}": pl.col(f"ADDR{i}").str.to_titlecase() for i in range(1, 5)},
        PropPostcode=pl.col("POSTCODE"),
        Band=pl.col("BAND"),
        LiabFrom=_date("LIABILITY_START", "%d/%m/%Y", "%Y-%m-%d"),
        LiabTo=_date("LIABILITY_END", "%d/%m/%Y", "%Y-%m-%d"),
        AcctStatus=_code("ACCOUNT_STATUS", {"LIVE": "A", "CLOSED": "F"}),
        DiscountCode=pl.when(pl.col("SPD_FLAG") == "Y").then(pl.lit("SPD")).otherwise(None),
        PayMethod=pl.col("PAYMENT_METHOD"),
        Tel=pl.col("PHONE"),
        Email=pl.col("EMAIL"),
    )


@_keep_ids("PERSON_REF")
def _academy_benefits(f: pl.DataFrame) -> pl.DataFrame:
    return f.select(
        ClaimNumber=pl.col("CLAIM_REF"),
        ClientRef=pl.col("PERSON_REF"),
        ClientRole=_code("PERSON_TYPE", {"CLAIMANT": "CLT", "PARTNER": "PTR"}),
        Title=pl.col("TITLE").str.to_titlecase(),
        Forenames=pl.col("FORENAME").str.to_titlecase(),
        Surname=pl.col("SURNAME").str.to_titlecase(),
        PreviousSurname=pl.col("FORMER_SURNAME").str.to_titlecase(),
        BirthDate=_date("DOB", "%d-%b-%Y", "%d/%m/%Y"),
        NINumber=_ni_spaced("NINO"),
        Gender=pl.col("SEX"),
        **{f"AddressLine{i}": pl.col(f"ADDRESS_LINE_{i}").str.to_titlecase() for i in range(1, 5)},
        PostCode=pl.col("POSTCODE"),
        ClaimStart=_date("CLAIM_START", "%d-%b-%Y", "%d/%m/%Y"),
        ClaimEnd=_date("CLAIM_END", "%d-%b-%Y", "%d/%m/%Y"),
        ClaimStatus=_code("CLAIM_STATUS", {"LIVE": "IP", "CANCELLED": "CNX"}),
        Scheme=pl.col("BENEFIT_TYPE"),
        Tenure=pl.col("TENURE"),
        HomePhone=pl.col("PHONE"),
        MobilePhone=pl.col("MOBILE"),
    )


@_keep_ids("ElectorNumber")
def _xpress_er(f: pl.DataFrame) -> pl.DataFrame:
    return f.select(
        **{"Polling District": pl.col("PD"), "Elector No": pl.col("ElectorNumber"), "Title": pl.col("Title"),
           "Surname": pl.col("Surname").str.to_uppercase(), "First Names": pl.col("Forenames").str.to_uppercase(),
           "Suffix": pl.col("Suffix"),
           "Date of Attainment": _date("AttainmentDate", "%d/%m/%Y", "%Y-%m-%d"),
           "Franchise Flag": pl.col("Franchise")},
        **{f"Address {i}": pl.col(f"Address{i}") for i in range(1, 7)},
        **{"Postcode": pl.col("Postcode"), "Property UPRN": pl.col("UPRN"), "Edited Register": pl.col("OptOut")},
    )


@_keep_ids("PERSON_REF")
def _cx_housing(f: pl.DataFrame) -> pl.DataFrame:
    return f.select(
        TenancyRef=pl.col("TENANCY_REF"),
        PersonRef=pl.col("PERSON_REF"),
        TenantCode=_code("TENANT_TYPE", {"LEAD TENANT": "T1", "JOINT TENANT": "T2", "HOUSEHOLD MEMBER": "HM"}),
        Title=pl.col("TITLE").str.to_titlecase(),
        Forename=pl.col("FIRST_NAME").str.to_titlecase(),
        MiddleName=pl.col("MIDDLE_NAME").str.to_titlecase(),
        Surname=pl.col("LAST_NAME").str.to_titlecase(),
        DOB=_date("DATE_OF_BIRTH", "%Y-%m-%d", "%d.%m.%Y"),
        NINO=pl.col("NI_NO"),
        PropRef=pl.col("PROPERTY_REF"),
        UPRN=pl.col("UPRN"),
        Address=pl.col("ADDRESS").str.to_titlecase(),
        Postcode=pl.col("POSTCODE"),
        TenancyStart=_date("TENANCY_START", "%Y-%m-%d", "%d.%m.%Y"),
        TenancyEnd=_date("TENANCY_END", "%Y-%m-%d", "%d.%m.%Y"),
        TenancyStatus=_code("TENANCY_STATUS", {"CURRENT": "CUR", "FORMER": "EX"}),
        Tenure=pl.col("TENURE_TYPE"),
        HomePhone=pl.col("PHONE"),
        Mobile=pl.col("MOBILE"),
        Email=pl.col("EMAIL"),
    )


@_keep_ids("Person ID")
def _mosaic_asc(f: pl.DataFrame) -> pl.DataFrame:
    return f.select(
        PERSON_ID=pl.col("Person ID"),
        NHS_NUMBER=_nhs_digits("NHS Number"),
        PERSON_NAME=pl.col("Full Name").str.to_uppercase(),
        DATE_OF_BIRTH=_date("Date of Birth", "%d/%m/%Y", "%d-%b-%Y"),
        GENDER=pl.col("Gender").replace({"Male": "M", "Female": "F"}),
        ADDRESS=pl.col("Address").str.to_uppercase(),
        POSTCODE=pl.col("Post Code"),
        PHONE=pl.col("Telephone"),
        PRIMARY_SUPPORT_REASON=pl.col("Primary Support Reason"),
        SERVICE=pl.col("Service Type"),
        START_DATE=_date("Involvement Start", "%d/%m/%Y", "%d-%b-%Y"),
        END_DATE=_date("Involvement End", "%d/%m/%Y", "%d-%b-%Y"),
        WORKER_STATUS=_code("Status", {"Open": "ACTIVE", "Closed": "ENDED"}),
        DATE_OF_DEATH=_date("Date of Death", "%d/%m/%Y", "%d-%b-%Y"),
    )


@_keep_ids("INVOLVEMENT_ID")
def _lcs_childrens(f: pl.DataFrame) -> pl.DataFrame:
    male = pl.col("GENDER").str.to_uppercase().str.starts_with("M")
    role = (pl.when(pl.col("CASE_ROLE") == "CHILD").then(pl.lit("Subject"))
            .when((pl.col("CASE_ROLE") == "PARENT") & male).then(pl.lit("Father"))
            .when(pl.col("CASE_ROLE") == "PARENT").then(pl.lit("Mother"))
            .when(pl.col("CASE_ROLE") == "CARER").then(pl.lit("Carer"))
            .otherwise(pl.col("CASE_ROLE")))
    return f.select(
        CaseId=pl.col("CASE_ID"),
        InvolvementId=pl.col("INVOLVEMENT_ID"),
        PersonId=pl.col("PERSON_ID"),
        RelationshipToCase=role,
        GivenNames=pl.col("GIVEN_NAMES").str.to_titlecase(),
        FamilyName=pl.col("FAMILY_NAME").str.to_titlecase(),
        DOB=_date("DOB", "%Y-%m-%d", "%d/%m/%Y"),
        Gender=pl.col("GENDER"),
        NHSNo=_nhs_digits("NHS_NUMBER"),
        **{f"Address{i}": pl.col(f"ADDRESS_{i}").str.to_titlecase() for i in range(1, 4)},
        Postcode=pl.col("POSTCODE"),
        Mobile=pl.col("CONTACT_MOBILE"),
        StartDate=_date("CASE_START", "%Y-%m-%d", "%d/%m/%Y"),
        EndDate=_date("CASE_END", "%Y-%m-%d", "%d/%m/%Y"),
        CaseStatus=_code("CASE_STATUS", {"OPEN": "O", "CLOSED": "C"}),
        Category=pl.col("CATEGORY"),
    )


def _one_admissions(f: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per application: the pupil, and the first parent on it as a second person (Parent1*). A
    second parent on the application is not in the extract (Capita One's export holds one contact)."""
    child = f.filter(pl.col("PersonType") == "Child")
    parent = (f.filter(pl.col("PersonType") == "Parent").unique("ApplicationRef", keep="first", maintain_order=True)
              .select("ApplicationRef", p_id="RecordId", p_fore="Forename", p_sur="Surname", p_rel="Relationship",
                      p_email="Email", p_phone="Telephone"))
    rows = child.join(parent, on="ApplicationRef", how="left", maintain_order="left")
    # NB26-100002-C -> EM26-100002; a duplicate application of the same child (-C1) -> EM26-100002-1
    app_id = (pl.col("RecordId").str.replace(r"^NB", "EM").str.replace(r"-C(\d+)$", "-$1")
              .str.replace(r"-C$", ""))
    out = rows.select(
        ApplicationId=app_id,
        PupilForename=pl.col("Forename").str.to_uppercase(),
        PupilMiddleNames=pl.col("MiddleNames").str.to_uppercase(),
        PupilSurname=pl.col("Surname").str.to_uppercase(),
        PupilDOB=_date("DateOfBirth", "%d/%m/%Y", "%Y-%m-%d"),
        PupilGender=pl.col("Gender"),
        **{f"Address{i}": pl.col(f"HomeAddress{i}") for i in range(1, 5)},
        Postcode=pl.col("HomePostcode"),
        Parent1Forename=pl.col("p_fore").str.to_uppercase(),
        Parent1Surname=pl.col("p_sur").str.to_uppercase(),
        Parent1Relationship=pl.col("p_rel"),
        Parent1Email=pl.col("p_email"),
        Parent1Mobile=pl.col("p_phone"),
        EntryYear=pl.col("EntryYear"),
        YearGroup=pl.col("YearGroup"),
        DateReceived=_date("SubmittedDate", "%d/%m/%Y", "%Y-%m-%d"),
        ApplicationStatus=_code("Status", {"Submitted": "REC", "Offered": "OFF"}),
        FirstPreference=pl.col("Preference1"),
    )
    ids = rows.select(old_id="RecordId", new_id=app_id)
    second = rows.filter(pl.col("p_id").is_not_null()).select(old_id="p_id", new_id=app_id + "~2")
    return out, pl.concat([ids, second])


@_keep_ids("badge_number")
def _bbds_badges(f: pl.DataFrame) -> pl.DataFrame:
    return f.select(
        BadgeNo=pl.col("badge_number"),
        Title=pl.col("title"),
        HolderName=pl.col("holder_name").str.to_uppercase(),
        DateOfBirth=_date("dob", "%Y%m%d", "%d/%m/%Y"),
        Sex=pl.col("gender"),
        NINo=pl.col("nino"),
        **{f"Address{i}": pl.col(f"address_line_{i}") for i in range(1, 4)},
        Postcode=pl.col("postcode"),
        ContactNumber=pl.col("phone"),
        IssuedOn=_date("issue_date", "%Y%m%d", "%d/%m/%Y"),
        ExpiresOn=_date("expiry_date", "%Y%m%d", "%d/%m/%Y"),
        CancelledOn=_date("cancelled_date", "%Y%m%d", "%d/%m/%Y"),
        BadgeStatus=_code("badge_status", {"ISSUED": "Active", "EXPIRED": "Expired", "CANCELLED": "Cancelled"}),
        Eligibility=pl.col("eligibility"),
    )


@_keep_ids("PermitNo")
def _taranto_permits(f: pl.DataFrame) -> pl.DataFrame:
    surname, forenames = _surname_first("Name")
    return f.select(
        PermitRef=pl.col("PermitNo"),
        PermitType=pl.col("PermitType"),
        Zone=pl.col("Zone"),
        Surname=surname,
        Forename=forenames,
        **{f"Address{i}": pl.col(f"AddressLine{i}") for i in range(1, 4)},
        Postcode=pl.col("PostCode"),
        VRM=pl.col("VRM"),
        Make=pl.col("Make"),
        FirstIssueDate=_date("FirstIssued", "%d.%m.%Y", "%Y-%m-%d"),
        PeriodStart=_date("ValidFrom", "%d.%m.%Y", "%Y-%m-%d"),
        PeriodEnd=_date("ValidTo", "%d.%m.%Y", "%Y-%m-%d"),
        CancelDate=_date("EndedOn", "%d.%m.%Y", "%Y-%m-%d"),
        PermitStatus=_code("Status", {"ACTIVE": "Live", "EXPIRED": "Lapsed", "CANCELLED": "Revoked"}),
        Email=pl.col("Email"),
        Mobile=pl.col("Mobile"),
    )


@_keep_ids("contactid")
def _salesforce_contacts(f: pl.DataFrame) -> pl.DataFrame:
    """Salesforce's one Name field: forename first as the handler typed it (in the hard variant, whatever
    the handler typed in the one box)."""
    return f.select(
        Id=pl.col("contactid"),
        Name=pl.concat_str([pl.col("firstname"), pl.col("lastname")], separator=" ", ignore_nulls=True),
        Email=pl.col("emailaddress1"),
        Phone=pl.col("telephone1"),
        MobilePhone=pl.col("mobilephone"),
        MailingStreet=pl.col("address1_composite"),
        MailingPostalCode=pl.col("address1_postalcode"),
        CreatedDate=_date("createdon", "%Y-%m-%dT%H:%M:%SZ", "%d/%m/%Y"),
        LastActivityDate=_date("lastcontactedon", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"),
        Status=_code("statecode", {"Active": "Open"}),
        Channel=pl.col("preferredcontactmethod"),
        Subject=pl.col("subject"),
    )


@_keep_ids("record_id")
def _pds_extract(f: pl.DataFrame) -> pl.DataFrame:
    """The NHS feed as a CSV batch trace: no registration date (nothing says when a record began)."""
    return f.select(
        LOCAL_REF=pl.col("record_id"),
        NHS_NO=pl.col("nhs_number"),
        SURNAME=pl.col("family_name"),
        FORENAME=pl.col("given_name"),
        MIDDLE_NAMES=pl.col("other_given_names"),
        TITLE=pl.col("title"),
        SEX=_code("gender", {"1": "M", "2": "F", "9": "U"}),
        DOB=_date("birth_date", "%Y%m%d", "%d/%m/%Y"),
        DATE_OF_DEATH=_date("death_date", "%Y%m%d", "%d/%m/%Y"),
        **{f"ADDR_LINE{i}": pl.col(f"address_line_{i}") for i in range(1, 6)},
        POSTCODE=pl.col("postcode"),
        GP_PRACTICE=pl.col("gp_practice_code"),
        TEL=pl.col("phone"),
        MOBILE=pl.col("mobile"),
        EMAIL=pl.col("email"),
    )


def _landing(folder: str, delimiter: str = ",", encoding: str = "utf-8", extension: str = "csv") -> dict:
    return {"folder": folder, "format": "csv", "extension": extension, "encoding": encoding, "delimiter": delimiter}


#: Northbridge system -> the Eastmere system that holds the same people
SYSTEMS = {
    "council_tax": System("northgate_revs", _landing("northgate_revs"), _northgate_revs),
    "benefits": System("academy_benefits", _landing("academy_benefits", ";", "cp1252"), _academy_benefits),
    "electoral_register": System("xpress_er", _landing("xpress_er", encoding="utf-8-sig"), _xpress_er),
    "housing_tenancies": System("cx_housing", _landing("cx_housing", "|", extension="txt"), _cx_housing),
    "adult_social_care": System("mosaic_asc", _landing("mosaic_asc"), _mosaic_asc),
    "childrens_services": System("lcs_childrens", _landing("lcs_childrens", "\t", extension="tsv"), _lcs_childrens),
    "school_admissions": System("one_admissions", _landing("one_admissions"), _one_admissions),
    "blue_badges": System("bbds_badges", _landing("bbds_badges"), _bbds_badges),
    "parking_permits": System("taranto_permits", _landing("taranto_permits", encoding="cp1252"), _taranto_permits),
    "crm_contacts": System("salesforce_contacts", _landing("salesforce_contacts"), _salesforce_contacts),
    "nhs_demographics": System("pds_extract", _landing("pds_extract"), _pds_extract),
}
