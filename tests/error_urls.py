"""The product's URLs plus one view that fails, for the 500 page test."""

from django.urls import path

from config.urls import urlpatterns as product_urls


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("test-broken/", broken), *product_urls]
