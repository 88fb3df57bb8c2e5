"""Open311 GeoReport v2 (filled in by its owner)"""

urlpatterns: list = []
