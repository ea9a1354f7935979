"""What every public template shows about the site, read lazily: a view whose template never
shows the header (a feed, a JSON answer) reads nothing."""

from django.utils.functional import SimpleLazyObject

from cms import sitedata


def site_settings(request):
    from cms.models import NavigationSettings, SiteIdentity

    return {
        "navigation": SimpleLazyObject(lambda: sitedata.site_setting(NavigationSettings, request)),
        "site_identity": SimpleLazyObject(lambda: sitedata.site_setting(SiteIdentity, request)),
    }
