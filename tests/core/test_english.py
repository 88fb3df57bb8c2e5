"""The English switch is complete: once a visitor chooses English, no Korean is left in the
interface of any public page. What may stay Korean is data (names and duties of organisations,
departments, teams and neighbourhoods, as recorded) and the switch back to 한국어. Korean stays
the default for a visitor who chose nothing."""

from __future__ import annotations

import datetime
import gettext
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from sotong.org.models import Department, Dong, Organization, StaffingEntry, Team

HANGUL = re.compile(r"[가-힣]+")
LANGUAGE_SWITCH = re.compile(r'<form method="post" action="/i18n/setlang/".*?</form>', re.S)
OPTION_VALUE = re.compile(r'<option value="[^"]*"')
CATALOGUES = [
    Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po",
    Path(settings.BASE_DIR) / "accounts" / "locale" / "en" / "LC_MESSAGES" / "django.po",
]


@pytest.fixture
def government(district):
    """The test district with every kind of thing its public page shows: a bureau with a
    division, an office reporting to the head directly, a team, a neighbourhood and a staffing
    table. Returns the Korean data values, which English pages show as recorded."""
    district.name_en = "Test-gu"
    district.address = "서울특별시 시험구 시험로 1"
    district.phone = "02-330-1114"
    district.description = "시험용 자치구입니다."
    district.save()
    bureau = Department.objects.create(
        organization=district, name="행정국", name_en="Administration Bureau", kind="bureau"
    )
    division = Department.objects.create(
        organization=district, name="민원여권과", kind="division", parent=bureau, duties="민원 접수"
    )
    office = Department.objects.create(
        organization=district, name="감사담당관", kind="office", duties="자체 감사"
    )
    Team.objects.create(department=division, name="여권팀", duties="여권 발급")
    Dong.objects.create(organization=district, name="신촌동")
    as_of = datetime.date(2016, 8, 10)
    for department, series, grade, authorized, current in [
        (division, "general", "5급", 1, 1),
        (division, "general", "7급 이하", 3, 5),
        (office, "fixed_term", "6급 이하", 2, 1),
        (office, "other", "전체", 1, 0),
    ]:
        StaffingEntry.objects.create(
            organization=district,
            department=department,
            as_of=as_of,
            series=series,
            grade=grade,
            authorized=authorized,
            current=current,
        )
    city = district.parent
    return [
        city.name,
        district.name,
        district.address,
        district.description,
        bureau.name,
        division.name,
        division.duties,
        office.name,
        office.duties,
        "여권팀",
        "여권 발급",
        "신촌동",
    ]


def _interface_text(html: str, data: list[str]) -> str:
    """The page without its data values, the values its forms send, and the language switch
    (which offers 한국어)."""
    switch = LANGUAGE_SWITCH.search(html)
    assert switch, "the page has no language switch"
    assert "한국어" in switch.group(0)
    html = LANGUAGE_SWITCH.sub("", html)
    # What a form sends is not shown (the search filters send Korean category names).
    html = OPTION_VALUE.sub("<option", html)
    # Search hits highlight the words found inside the data.
    html = html.replace("<mark>", "").replace("</mark>", "")
    # Longest first: a name can contain a shorter one (서울특별시 시험구 … contains 시험구).
    for value in sorted(data, key=len, reverse=True):
        html = html.replace(value, "")
    return html


def _korean_left(html: str, data: list[str]) -> list[str]:
    text = _interface_text(html, data)
    return [text[max(match.start() - 60, 0) : match.end() + 60] for match in HANGUL.finditer(text)]


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/org/", 200),
        ("/org/testgu/", 200),
        ("/org/testcity/", 200),
        ("/accounts/login/", 200),
        ("/accounts/signup/", 200),
        ("/accounts/password/reset/", 200),
        ("/notify/subscribe", 200),
        ("/petitions/", 200),
        ("/petitions/list", 200),
        ("/petitions/stats?org=testgu", 200),
        ("/no-such-page/", 404),
    ],
)
def test_no_korean_is_left_on_english_pages(english, government, url, status):
    response = english.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert _korean_left(html, government) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/accounts/profile/",
        "/accounts/delete/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/3rdparty/",
        "/accounts/2fa/",
    ],
)
def test_no_korean_is_left_on_english_pages_of_a_resident(english, government, resident, url):
    english.force_login(resident)
    response = english.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    # The profile form lists the neighbourhoods of every organisation: data too.
    assert _korean_left(html, government) == []


@pytest.fixture
def faq_entry(government, district):
    """A published FAQ entry answered by the test district, in the search index. Returns the
    entry and the data values its pages show (the Korean example searches of the search page
    are data too: they find Korean answers)."""
    from sotong.core.search_page import SUGGESTIONS
    from sotong.guide.models import FaqEntry

    entry = FaqEntry.objects.create(
        title="여권은 어디서 만드나요?",
        answer="구청 민원여권과에서 만듭니다.",
        category=FaqEntry.Category.ADMINISTRATION,
        source="seoul120",
        source_id="1",
        organization=district,
        attribution="출처: 시험구",
    )
    call_command("search_reindex", "faq", stdout=StringIO(), stderr=StringIO())
    return entry, [*government, entry.title, entry.answer, entry.attribution, *SUGGESTIONS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["", "?q=여권", "?q=없는낱말&type=faq&category=welfare", "?page=x"]
)
def test_no_korean_is_left_on_english_search_pages(english, faq_entry, query):
    entry, data = faq_entry
    response = english.get(f"/search{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    if query == "?q=여권":
        assert entry.get_absolute_url() in html
    # What the visitor typed comes back as typed.
    assert _korean_left(html, [*data, "여권", "없는낱말"]) == []


@pytest.mark.django_db
def test_no_korean_is_left_on_an_english_faq_page(english, faq_entry):
    entry, data = faq_entry
    html = english.get(entry.get_absolute_url()).content.decode()
    assert "<dt>Category</dt><dd>Administration</dd>" in html
    assert _korean_left(html, data) == []


@pytest.mark.django_db
def test_the_english_organisation_page_translates_what_is_not_free_text(english, government):
    html = english.get("/org/testgu/").content.decode()
    assert "<title>Test-gu | Sotong</title>" in html
    # The English name leads; the Korean one follows, marked as Korean for screen readers.
    assert '<h1>Test-gu <span lang="ko">시험구</span></h1>' in html
    assert "Administration Bureau <small>(Bureau)</small>" in html
    assert "Head: District Mayor" in html
    assert "Departments reporting directly to the District Mayor" in html
    for grade in ("Grade 5", "Grade 7 and below", "Grade 6 and below", "All grades"):
        assert f'<th scope="col">{grade}</th>' in html
    assert "As of Aug. 10, 2016." in html
    assert "by department and grade (as of Aug. 10, 2016)</caption>" in html
    assert "Over by 2" in html and "Short by 1" in html


@pytest.mark.django_db
def test_english_form_errors_are_english(english):
    response = english.post("/accounts/signup/", {"email": "not an e-mail", "password1": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Please check what you entered" in html
    assert _korean_left(html, []) == []


@pytest.mark.django_db
def test_english_csrf_failure_page_is_english(government):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>The security check failed</h1>" in html
    assert _korean_left(html, government) == []


@pytest.mark.django_db
def test_staffing_import_reads_korean_tables_in_an_english_admin(district, department):
    # Staffing tables are printed in Korean; the English labels are accepted too.
    from sotong.org.forms import StaffingImportForm

    data = (
        "부서,직군,급,정원,현원\n"
        "민원여권과,행정·기술직군,5급,2,1\n"
        "민원여권과,Fixed-term general service,6급 이하,1,1\n"
        "민원여권과,other,전체,1,-\n"
    )
    with translation.override("en"):
        form = StaffingImportForm(
            data={"organization": district.pk, "as_of": "2016-08-10", "data": data},
            organizations=Organization.objects.all(),
        )
        assert form.is_valid(), form.errors
        bad = StaffingImportForm(
            data={
                "organization": district.pk,
                "as_of": "2016-08-10",
                "data": "민원여권과,x,5급,1,1",
            },
            organizations=Organization.objects.all(),
        )
        assert not bad.is_valid()
        assert bad.errors["__all__"] == ["Line 1: unknown job series 'x'."]
    assert [(row.series, row.grade) for row in form.rows] == [
        ("general", "5급"),
        ("fixed_term", "6급 이하"),
        ("other", "전체"),
    ]


@pytest.mark.django_db
def test_korean_is_the_default_without_a_cookie(client, government):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"}):
        html = client.get("/org/testgu/", **headers).content.decode()
        assert '<html lang="ko">' in html
        assert "본문 바로가기" in html
        assert '<h1>시험구 <span lang="en">Test-gu</span></h1>' in html
        assert "기관장: 구청장" in html
        assert '<th scope="col">7급 이하</th>' in html
        assert "2016년 8월 10일 기준입니다." in html
        assert 'name="language" value="en"' in html


def _entries(po: Path) -> list[tuple[str, list[str], bool]]:
    """(gettext key, msgstrs, fuzzy) of every live entry; the key is what the compiled catalogue
    is indexed by ("context\x04msgid" for an entry with a context)."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key, fuzzy = None, False
        for line in block.splitlines():
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = json.loads(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += json.loads(line)
        if fields.get("msgid"):
            msgid = fields["msgid"]
            if "msgctxt" in fields:
                msgid = f"{fields['msgctxt']}\x04{msgid}"
            msgstrs = [value for name, value in sorted(fields.items()) if name.startswith("msgstr")]
            entries.append((msgid, msgstrs, fuzzy))
    return entries


@pytest.mark.parametrize("po", CATALOGUES, ids=["project", "accounts"])
def test_every_catalogue_entry_has_a_checked_english_text(po):
    missing = [msgid for msgid, msgstrs, fuzzy in _entries(po) if fuzzy or not all(msgstrs)]
    assert missing == []


@pytest.mark.parametrize("po", CATALOGUES, ids=["project", "accounts"])
def test_the_compiled_catalogues_are_current(po):
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    entries = _entries(po)
    assert entries
    stale = []
    for msgid, msgstrs, _fuzzy in entries:
        if len(msgstrs) == 1:
            found = [compiled.get(msgid)]
        else:
            found = [compiled.get((msgid, n)) for n in range(len(msgstrs))]
        if found != msgstrs:
            stale.append(msgid)
    assert stale == []


def test_site_name_is_translated():
    with translation.override("en"):
        assert translation.gettext("소통") == "Sotong"
    with translation.override("ko"):
        assert translation.gettext("소통") == "소통"


@pytest.mark.parametrize(
    ("grade", "english"),
    [
        ("5급", "Grade 5"),
        ("7급 이하", "Grade 7 and below"),
        ("전체", "All grades"),
        ("연구관", "연구관"),  # not a grade we know: shown as recorded
        ("", ""),
    ],
)
def test_localized_grade(grade, english):
    template = Template("{% load sotong_tags %}{{ grade|localized_grade }}")
    with translation.override("en"):
        assert template.render(Context({"grade": grade})) == english
    with translation.override("ko"):
        assert template.render(Context({"grade": grade})) == grade


@pytest.mark.parametrize(
    ("title", "english"),
    [
        ("시장", "Mayor"),
        ("구청장", "District Mayor"),
        ("군수", "County Governor"),
        ("청장", "청장"),
    ],
)
def test_localized_title(title, english):
    template = Template("{% load sotong_tags %}{{ title|localized_title }}")
    with translation.override("en"):
        assert template.render(Context({"title": title})) == english
    with translation.override("ko"):
        assert template.render(Context({"title": title})) == title


@pytest.mark.django_db
def test_no_korean_is_left_on_english_petition_pages(english, government, district):
    """Boards, a public petition's timeline and the statistics in English: only the data (board,
    category, department names and the petition's own text) stays Korean."""
    from sotong.petitions.models import Board, Category
    from sotong.petitions.services import petition_submit

    board = Board.objects.create(
        organization=district, code="daily", name="생활불편신고", kinds=["report", "inquiry"]
    )
    category = Category.objects.create(organization=district, code="roads", name="도로")
    petition = petition_submit(
        actor=None,
        board=board,
        kind="report",
        title="보도블록 파손",
        body="정문 앞 보도블록이 깨졌습니다.",
        category=category,
        contact_email="anon@example.kr",
    )
    data = [*government, board.name, category.name, petition.title, petition.body]
    for url in (
        "/petitions/?org=testgu",
        f"/petitions/{petition.pk}/",
        f"/petitions/t/{petition.token}",
        "/petitions/stats?org=testgu",
    ):
        response = english.get(url)
        assert response.status_code == 200, url
        assert _korean_left(response.content.decode(), data) == [], url
