"""Web pages of petitions under `/petitions/`, one module per use; each owns its `urlpatterns`
(collected by `petitions/urls.py`).

Resident pages: `intake` (boards, the web form, similar answers, the receipt), `confirmation`
(an anonymous petitioner confirms a phone or e-mail), `detail` (the public timeline and its
files), `petitioner` (rating, reopening, "my petitions"), `listing` (the public list), with the
pieces they share in `common`. Staff pages: `staff` (inbox, entry, the case page), `answers` (the
case page's answer actions), `groups` (groups of repeated petitions), `stats` (dashboards and the
public statistics)."""
