from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Editorial"

    def ready(self):
        from taggit.models import Tag
        from wagtail.images import get_image_model
        from wagtail.models import PageViewRestriction, Site

        from cms import pagecache, publishing, related, renditions, sitedata
        from cms.models import NavigationSettings, SiteIdentity

        publishing.connect()
        # What every page may show; a new tag or image shows nowhere until a page uses it
        # (and publishing that page retires what shows it).
        pagecache.invalidate_when_saved([Site, PageViewRestriction], pagecache.SITE)
        pagecache.invalidate_when_saved(
            [NavigationSettings, SiteIdentity, Tag, get_image_model()],
            pagecache.SITE,
            except_created=True,
        )
        related.connect()
        renditions.connect()
        sitedata.connect_invalidation(
            [NavigationSettings, SiteIdentity, Site, PageViewRestriction, get_image_model()]
        )
