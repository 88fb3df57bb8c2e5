"""(filled in by its owner; see the petitions README)"""

urlpatterns: list = []
