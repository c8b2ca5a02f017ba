from django.urls import include, path

urlpatterns = [
    path("", include("engineers.phone.urls")),
]
