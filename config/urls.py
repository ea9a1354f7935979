from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from cms.feeds import LatestPostsAtomFeed, LatestPostsFeed
from cms.sitemaps import sitemaps

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", cms_views.search, name="search"),
    path("feed/", LatestPostsFeed(), name="feed_rss"),
    path("feed/atom/", LatestPostsAtomFeed(), name="feed_atom"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps()}, name="sitemap"),
    path("robots.txt", cms_views.robots_txt, name="robots_txt"),
    path("favicon.ico", cms_views.favicon),
    path("health/", cms_views.health, name="health"),
    path("shop/", include("shop.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.QUIRE_SERVE_MEDIA:
    from config.media import public_image

    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", public_image)]

urlpatterns += [path("", include(wagtail_urls))]

handler500 = "config.errors.server_error"
