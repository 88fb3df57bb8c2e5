"""Forms of petitions: `public` (the resident pages: intake, SMS code, rating, reopen, listing
filters) and `staff` (inbox filters, staff entry, the case page's actions, groups).

The resident forms are re-exported here: `from sotong.petitions.forms import PetitionForm` was
their import path before the split and keeps working."""

from .public import (
    CodeForm,
    ListFilterForm,
    PetitionForm,
    RatingForm,
    ReopenForm,
)

__all__ = [
    "CodeForm",
    "ListFilterForm",
    "PetitionForm",
    "RatingForm",
    "ReopenForm",
]
