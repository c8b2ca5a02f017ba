from django.urls import include, path

urlpatterns = [
    path("", include("callbacks.urls_callbacks")),
    path("", include("callbacks.urls_complaints")),
]
