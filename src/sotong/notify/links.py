"""(filled in by its owner; see the notify README)"""

urlpatterns: list = []
