"""The public FAQ page: published entries for everyone, 404 alike for unpublished and missing."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anyone_reads_a_published_entry_with_its_attribution(
    client, make_entry, city, django_assert_num_queries
):
    entry = make_entry(
        title="아빠 육아휴직 장려금",
        answer="남성근로자의 육아휴직을 장려합니다.\n신청은 동주민센터에서.",
        organization=city,
        attribution="출처: 서울특별시 120다산콜재단 「120 주요질문」",
    )
    with django_assert_num_queries(1):
        response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="faq-title">아빠 육아휴직 장려금</h1>' in html
    assert "남성근로자의 육아휴직을 장려합니다.<br>신청은 동주민센터에서." in html
    assert "출처: 서울특별시 120다산콜재단 「120 주요질문」" in html
    assert "복지" in html
    assert city.get_absolute_url() in html
    assert f'action="{reverse("search")}"' in html


def test_a_resident_reads_it_too(client, make_entry, resident):
    client.force_login(resident)
    assert client.get(make_entry().get_absolute_url()).status_code == 200


def test_unpublished_and_missing_entries_are_the_same_404(client, make_entry, admin_client):
    hidden = make_entry(published=False)
    response = client.get(hidden.get_absolute_url())
    assert response.status_code == 404
    assert client.get(f"/services/faq/{hidden.pk + 100}/").status_code == 404
    # Not even staff see an unpublished entry here: they use the admin.
    assert admin_client.get(hidden.get_absolute_url()).status_code == 404


def test_html_in_an_answer_is_shown_as_text(client, make_entry):
    entry = make_entry(title="<script>x</script>", answer="<b>굵게</b>")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;굵게&lt;/b&gt;" in html


def test_an_entry_without_answer_says_so(client, make_entry):
    html = client.get(make_entry(answer="").get_absolute_url()).content.decode()
    assert "아직 답변 내용이 없습니다" in html
